"""winnow's HTTP service (import name ``winnow_service``): a thin shell over the library.

Routes parse requests, call :class:`winnow.moderation.Moderator` and format its
answers; they hold no moderation logic of their own.
"""
