// Preload (node -r ./loopback-dns.js): resolve "localhost" and "*.localhost" to 127.0.0.1.
//
// akismet-api sends comment checks to KEY.HOST (the API key as the first DNS label),
// as Akismet's own clients do. The tests point HOST at localhost:PORT, and KEY.localhost
// does not resolve on every machine, so this shim answers for those names itself and
// leaves every other lookup to the real resolver. The client under test is unmodified.
'use strict'

const dns = require('dns')

const LOOPBACK = '127.0.0.1'
const realLookup = dns.lookup

function isLoopbackName(hostname) {
  const name = String(hostname).toLowerCase().replace(/\.$/, '')
  return name === 'localhost' || name.endsWith('.localhost')
}

function loopbackLookup(hostname, options, callback) {
  if (typeof options === 'function') {
    callback = options
    options = {}
  }
  if (!isLoopbackName(hostname)) {
    return realLookup.call(dns, hostname, options, callback)
  }
  const all = typeof options === 'object' && options !== null && options.all
  // The server listens on IPv4 loopback only, so answer IPv4 whatever family was asked.
  process.nextTick(() => {
    if (all) callback(null, [{ address: LOOPBACK, family: 4 }])
    else callback(null, LOOPBACK, 4)
  })
}

dns.lookup = loopbackLookup
