// Drive the unmodified npm client akismet-api against a live winnow server.
//
// Usage: node -r ./loopback-dns.js check.js HOST KEY BLOG < comments.json
//   HOST      "localhost:PORT" (the client adds the key as a first label for checks)
//   KEY, BLOG the API key and the site it was issued for
//   stdin     {"ham": text, "spam": text, "submitSpam": text, "submitHam": text}
// Prints one JSON object with what each client call returned (or the error it threw).
'use strict'

const { AkismetClient } = require('akismet-api')

const USER_IP = '203.0.113.9'
const WRONG_KEY = '0'.repeat(32)

function readStdin() {
  return new Promise((resolve, reject) => {
    let data = ''
    process.stdin.setEncoding('utf8')
    process.stdin.on('data', chunk => (data += chunk))
    process.stdin.on('end', () => resolve(data))
    process.stdin.on('error', reject)
  })
}

// An outcome the test can compare: the value, or the message of the error thrown.
async function outcome(promise) {
  try {
    return { value: await promise }
  } catch (err) {
    return { error: String(err && err.message ? err.message : err) }
  }
}

// The submit calls resolve with the raw HTTP response: keep what a caller would read.
async function submitted(promise) {
  const result = await outcome(promise)
  if (result.error !== undefined) return result
  return { status: result.value.status, text: result.value.text }
}

function comment(text, extra = {}) {
  return { ip: USER_IP, content: text, type: 'comment', name: 'Reader', ...extra }
}

async function main() {
  const [host, key, blog] = process.argv.slice(2)
  if (!host || !key || !blog) {
    console.error('usage: check.js HOST KEY BLOG < comments.json')
    process.exit(2)
  }
  const texts = JSON.parse(await readStdin())
  const client = new AkismetClient({ key, blog, host, protocol: 'http' })
  const wrong = new AkismetClient({ key: WRONG_KEY, blog, host, protocol: 'http' })
  const results = {
    verifyKey: await outcome(client.verifyKey()),
    verifyWrongKey: await outcome(wrong.verifyKey()),
    checkWrongKey: await outcome(wrong.checkSpam(comment(texts.ham))),
    ham: await outcome(client.checkSpam(comment(texts.ham))),
    spam: await outcome(client.checkSpam(comment(texts.spam))),
    guaranteedSpam: await outcome(
      client.checkSpam(comment(texts.ham, { name: 'akismet-guaranteed-spam' }))
    ),
    submitSpam: await submitted(client.submitSpam(comment(texts.submitSpam))),
    submitHam: await submitted(client.submitHam(comment(texts.submitHam)))
  }
  process.stdout.write(JSON.stringify(results) + '\n')
}

main().catch(err => {
  console.error(err && err.stack ? err.stack : err)
  process.exit(1)
})
