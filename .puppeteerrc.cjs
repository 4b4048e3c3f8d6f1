// Puppeteer's own browser download cannot work on a closed network: we drive Debian's chromium.
module.exports = { skipDownload: true };
