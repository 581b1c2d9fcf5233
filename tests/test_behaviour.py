"""Behavioural tests of the model trained on the bundled corpus.

These texts are not in the corpus; they check what a moderator expects of the
model, not its fit to the training data.
"""

import pytest

REWORDED_SPAM = [
    "Amazon pays me $87 every hour to work from my sofa. Last month I cashed out $14,200!! "
    "Start here -> homejobs-daily.net",
    "My neighbour makes $310 a day typing from her kitchen table, honestly life changing, "
    "see paydayhome.co for details",
    "Bitcoin trading with Mr. Hollis turned my $400 into $9,000 in ten days. WhatsApp him now",
    "Subscribe to my channel guys!!! I upload new music every friday, please like and share",
]
OBFUSCATED_SPAM = [
    "Earn $500 daily from home ->  w w w . q u i c k p a y h o m e . c o m",
    "ｅａｒｎ ｃａｓｈ ｆｒｏｍ ｈｏｍｅ visit easyincome[dot]net today",
]
HAM_WITH_LINKS = [
    "The full court ruling is worth reading: https://www.supremecourt.gov/opinions/opinion.pdf",
    "Figures are in the ONS release, https://www.ons.gov.uk/economy/inflation",
    # a known outlet named as a bare domain, as readers cite their sources
    "Reuters had the minister's full quote an hour earlier, reuters.com",
    # a comment box that turns addresses into links
    'Full text: <a href="https://www.theguardian.com/politics/2026/may/01/x">theguardian.com</a>',
]
# Words the marker words (calls to act, own outlets, @handles) are made of, in a
# reader's mouth.
HAM_WITH_MARKER_WORDS = [
    "I agree with @Colin here, the bus lane cameras only run at peak times",
    "My shop on the high street lost half its trade during the roadworks",
    "Search for the original interview, he never said that",
    "I subscribe to the paper for reporting like this, worth every penny",
    "Follow the money: the same donors fund both campaigns",
    "The full report is on the ONS site, ons.gov.uk, table 4",
]
SELF_PROMOTION = [
    "sub to my channel for daily match highlights in 60 seconds",
    "Link in my bio, DM me for the details 💸",
    "my new podcast covers exactly this, search Kettle Talk on Spotify",
    # in the other languages of Europe's larger news sites
    "Si les gusta el fútbol, pasen por mi canal, subo resúmenes cada lunes. ¡Suscríbete!",
    "Fiz um vídeo sobre isso no meu canal, se inscreve lá que ajuda muito",
]
# SEO spam: praise, then a link under the words the site wants to rank for.
ANCHOR_SPAM = [
    'Useful article, thanks. <a href="https://roofers-leeds-24h.co.uk">roof repair Leeds</a>',
    'Great read! Need a van? <a href="https://vanhire-example.com/cheap">cheap van hire</a>',
]
HAM_ABOUT_MONEY = [
    "Teachers here start on $41,000 a year, no wonder the school can't keep staff.",
    "Google is fined again and the shareholders will not even notice.",
    "Petrol went up 12 cents a litre in a week, who is checking these prices?",
]


@pytest.mark.parametrize("text", REWORDED_SPAM + OBFUSCATED_SPAM + SELF_PROMOTION + ANCHOR_SPAM)
def test_reworded_and_obfuscated_spam_stays_spam(bundled_model, text):
    assert bundled_model.predict([text]) == ["spam"]


@pytest.mark.parametrize("text", HAM_WITH_LINKS + HAM_WITH_MARKER_WORDS + HAM_ABOUT_MONEY)
def test_ham_with_links_money_or_marker_words_stays_ham(bundled_model, text):
    assert bundled_model.predict([text]) == ["ham"]


def test_case_and_spacing_do_not_change_the_score(bundled_model):
    text = "Google is paying $120 an hour from home, visit cashnow.com"
    variants = [text, text.upper(), "  " + text.replace(" ", "  ") + "\n"]
    scores = bundled_model.predict_proba(variants)
    assert max(scores) - min(scores) < 0.02


def test_adding_a_spam_link_raises_the_score(bundled_model):
    base = "Interesting take on the housing market."
    with_pitch = base + " I make $300 a day from home, visit homecash24.com"
    low, high = bundled_model.predict_proba([base, with_pitch])
    assert high > low + 0.3


def test_a_bare_domain_looks_more_like_spam_than_a_page_address(bundled_model):
    base = "Good explainer on the rail strike, there is more at "
    bare, page = bundled_model.predict_proba(
        [base + "railnews-daily.com", base + "https://www.railnews-daily.com/2026/11/strike-talks"]
    )
    assert bare > page + 0.2


def test_a_short_comment_is_not_spam_for_one_spammy_word(bundled_model):
    """A three-word reaction about something free is not a pitch (the length word
    tells the model how often comments this short are spam)."""
    short, pitch = bundled_model.predict_proba(
        ["Free parking, finally!", "Free parking codes for every car park, dm me for one"]
    )
    assert short < 0.5 < pitch
