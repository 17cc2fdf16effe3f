#!/usr/bin/env node
// Loads the report's index.html from disk in headless Chromium and checks it like a user would:
//   - the page renders (a screenshot with real content),
//   - clicking a column header sorts the layer table (numbers numerically, NaN last; a second
//     click reverses), and a text column sorts by name,
//   - every chart image decodes,
//   - user-supplied names stay text (no element injected),
//   - no network request (only the file:// page itself; data: URIs are not network) and no
//     console error or uncaught exception.
//
// Chromium is driven over the DevTools protocol on --remote-debugging-pipe (fd 3 = commands in,
// fd 4 = replies out, messages separated by NUL), so no WebSocket client or npm package is needed.
//
// Usage: node browser_check.js --chromium /usr/bin/chromium --page DIR/index.html --screenshot OUT.png
'use strict';
const {spawn} = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');

function parseArgs(argv) {
  const args = {chromium: '/usr/bin/chromium', timeout: 90};
  for (let i = 2; i < argv.length; i += 2) args[argv[i].replace(/^--/, '')] = argv[i + 1];
  if (!args.page || !args.screenshot) {
    console.error('usage: browser_check.js --chromium PATH --page index.html --screenshot out.png');
    process.exit(2);
  }
  return args;
}

// ---- DevTools protocol over the pipe ---------------------------------------------------------
class Browser {
  constructor(executable) {
    this.profile = fs.mkdtempSync(path.join(os.tmpdir(), 'xq-chromium-'));
    this.proc = spawn(executable, [
      '--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--no-default-browser-check',
      '--disable-extensions', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--metrics-recording-only', '--remote-debugging-pipe',
      `--user-data-dir=${this.profile}`, 'about:blank',
    ], {stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe']});
    this.stderr = '';
    this.proc.stderr.on('data', d => { this.stderr += d; });
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = [];
    let buffer = '';
    this.proc.stdio[4].on('data', chunk => {
      buffer += chunk.toString('utf8');
      let end;
      while ((end = buffer.indexOf('\0')) >= 0) {
        const message = JSON.parse(buffer.slice(0, end));
        buffer = buffer.slice(end + 1);
        this.dispatch(message);
      }
    });
    this.exited = new Promise(resolve => this.proc.on('exit', resolve));
  }

  dispatch(message) {
    if (message.id !== undefined && this.pending.has(message.id)) {
      const {resolve, reject, method} = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) reject(new Error(`${method}: ${JSON.stringify(message.error)}`));
      else resolve(message.result);
      return;
    }
    for (const listener of this.listeners) listener(message);
  }

  send(method, params = {}, sessionId = undefined) {
    const id = this.nextId++;
    const message = {id, method, params};
    if (sessionId) message.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {resolve, reject, method});
      this.proc.stdio[3].write(JSON.stringify(message) + '\0');
    });
  }

  // Resolves with the first event `method` (of `sessionId`) for which `predicate` holds.
  waitFor(method, sessionId, predicate = () => true) {
    return new Promise(resolve => {
      const listener = message => {
        if (message.method === method && message.sessionId === sessionId && predicate(message.params)) {
          this.listeners.splice(this.listeners.indexOf(listener), 1);
          resolve(message.params);
        }
      };
      this.listeners.push(listener);
    });
  }

  async close() {
    try {
      await Promise.race([this.send('Browser.close'), new Promise(r => setTimeout(r, 3000))]);
    } catch (e) { /* already gone */ }
    const killTimer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(killTimer);
    fs.rmSync(this.profile, {recursive: true, force: true});
  }
}

// ---- PNG: decode the screenshot to count colours (a blank page has one) ------------------------
function decodePng(buffer) {
  if (buffer.subarray(0, 8).toString('binary') !== '\x89PNG\r\n\x1a\n') throw new Error('screenshot is not a PNG');
  let pos = 8, width = 0, height = 0, colorType = 0, bitDepth = 0;
  const idat = [];
  while (pos < buffer.length) {
    const length = buffer.readUInt32BE(pos);
    const type = buffer.toString('ascii', pos + 4, pos + 8);
    const body = buffer.subarray(pos + 8, pos + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0); height = body.readUInt32BE(4);
      bitDepth = body[8]; colorType = body[9];
    } else if (type === 'IDAT') {
      idat.push(body);
    }
    pos += 12 + length;
  }
  const channels = {2: 3, 6: 4}[colorType];
  if (bitDepth !== 8 || !channels) throw new Error(`unexpected PNG format: depth ${bitDepth} colour type ${colorType}`);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(height * stride);
  for (let y = 0; y < height; ++y) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; ++x) {
      const a = x >= channels ? pixels[y * stride + x - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * stride + x] = (line[x] + predictor) & 0xff;
    }
  }
  return {width, height, channels, pixels};
}

function countColours(image) {
  const colours = new Set();
  for (let i = 0; i < image.pixels.length; i += image.channels) {
    colours.add((image.pixels[i] << 16) | (image.pixels[i + 1] << 8) | image.pixels[i + 2]);
  }
  return colours.size;
}

// ---- the checks ------------------------------------------------------------------------------
function isSorted(values, descending) {
  // NaN last in both directions; everything else in order (Infinity compares naturally).
  const firstNaN = values.findIndex(Number.isNaN);
  if (firstNaN >= 0 && !values.slice(firstNaN).every(Number.isNaN)) return false;
  const numbers = firstNaN >= 0 ? values.slice(0, firstNaN) : values;
  for (let i = 1; i < numbers.length; ++i) {
    if (descending ? numbers[i - 1] < numbers[i] : numbers[i - 1] > numbers[i]) return false;
  }
  return true;
}

async function main() {
  const args = parseArgs(process.argv);
  const pageUrl = 'file://' + path.resolve(args.page);
  const failures = [];
  const check = (condition, message) => { if (!condition) failures.push(message); };

  const browser = new Browser(args.chromium);
  const watchdog = setTimeout(() => {
    console.error(`browser_check: timed out after ${args.timeout} s\n${browser.stderr.slice(-2000)}`);
    browser.proc.kill('SIGKILL');
    process.exit(1);
  }, args.timeout * 1000);

  const requests = [];
  const consoleErrors = [];
  try {
    const {targetId} = await browser.send('Target.createTarget', {url: 'about:blank'});
    const {sessionId} = await browser.send('Target.attachToTarget', {targetId, flatten: true});
    browser.listeners.push(message => {
      if (message.sessionId !== sessionId) return;
      const p = message.params;
      if (message.method === 'Network.requestWillBeSent') requests.push(p.request.url);
      if (message.method === 'Runtime.consoleAPICalled' && (p.type === 'error' || p.type === 'assert')) {
        consoleErrors.push(p.args.map(a => a.value ?? a.description).join(' '));
      }
      if (message.method === 'Runtime.exceptionThrown') consoleErrors.push(p.exceptionDetails.text);
      if (message.method === 'Log.entryAdded' && p.entry.level === 'error') consoleErrors.push(p.entry.text);
    });
    const call = (method, params) => browser.send(method, params, sessionId);
    await call('Network.enable');
    await call('Runtime.enable');
    await call('Log.enable');
    await call('Page.enable');
    await call('Emulation.setDeviceMetricsOverride', {width: 1280, height: 1000, deviceScaleFactor: 1, mobile: false});
    const loaded = browser.waitFor('Page.loadEventFired', sessionId);
    const navigation = await call('Page.navigate', {url: pageUrl});
    check(!navigation.errorText, `navigation failed: ${navigation.errorText}`);
    await loaded;

    const evaluate = async expression => {
      const r = await call('Runtime.evaluate', {expression, returnByValue: true, awaitPromise: true});
      if (r.exceptionDetails) throw new Error(`evaluate failed: ${r.exceptionDetails.text} in ${expression}`);
      return r.result.value;
    };

    // Screenshot: a real page has text, tables and charts — many colours, not a blank canvas.
    const shot = await call('Page.captureScreenshot', {format: 'png'});
    const png = Buffer.from(shot.data, 'base64');
    fs.writeFileSync(args.screenshot, png);
    const image = decodePng(png);
    const colours = countColours(image);
    check(image.width === 1280 && image.height === 1000, `screenshot is ${image.width}x${image.height}`);
    check(colours >= 50, `screenshot has only ${colours} colours`);

    // Every chart image decoded.
    const images = await evaluate(`Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.naturalHeight])`);
    check(images.length > 0, 'no chart images');
    images.forEach(([complete, w, h], k) => check(complete && w >= 800 && h > 300, `image ${k} did not decode (${w}x${h})`));

    // User-supplied names stayed text: only the page's own script element, and the names read back.
    check(await evaluate(`document.scripts.length`) === 1, 'a <script> element was injected');
    check(await evaluate(`document.querySelectorAll('img').length`) === images.length, 'an <img> element was injected');
    const names = await evaluate(`Array.from(document.querySelectorAll('#layer-table tbody td.name')).map(td => td.textContent)`);
    check(names.includes("<script>console.error('unescaped')</script>"), 'the <script> layer name is not shown as text');

    // Sorting by a real click on a header (mouse events at the header's position).
    const clickHeader = async (group, label) => {
      const box = await evaluate(`(() => {
        const ths = Array.from(document.querySelectorAll('#layer-table thead th[data-col]'));
        const metricHeaders = ths.filter(th => th.dataset.type === 'num' && th.textContent.trim() === ${JSON.stringify(label)});
        const th = ${group === null ? `ths.find(th => th.textContent.trim() === ${JSON.stringify(label)})` : `metricHeaders[${group}]`};
        th.scrollIntoView({block: 'center'});
        const r = th.getBoundingClientRect();
        return {x: r.left + r.width / 2, y: r.top + r.height / 2, col: Number(th.dataset.col)};
      })()`);
      for (const type of ['mousePressed', 'mouseReleased']) {
        await call('Input.dispatchMouseEvent', {type, x: box.x, y: box.y, button: 'left', clickCount: 1});
      }
      return box.col;
    };
    // As strings: returnByValue turns Infinity inside arrays into null.
    const columnValues = async col => (await evaluate(
        `Array.from(document.querySelectorAll('#layer-table tbody tr')).map(tr => tr.cells[${col}].dataset.v)`)).map(parseFloat);
    const columnText = col => evaluate(
        `Array.from(document.querySelectorAll('#layer-table tbody tr')).map(tr => tr.cells[${col}].textContent)`);

    for (const [group, metric] of [[0, 'mse'], [1, 'sqnr'], [0, 'sqnr_db']]) {
      const before = await columnText(0);
      const col = await clickHeader(group, metric);
      const ascending = await columnValues(col);
      check(isSorted(ascending, false), `${metric} (group ${group}) not ascending after one click: ${ascending.slice(0, 8)}`);
      check(JSON.stringify(await columnText(0)) !== JSON.stringify(before), `${metric}: row order did not change`);
      await clickHeader(group, metric);
      const descending = await columnValues(col);
      check(isSorted(descending, true), `${metric} (group ${group}) not descending after two clicks: ${descending.slice(0, 8)}`);
      const sortedCopy = [...ascending].filter(v => !Number.isNaN(v)).sort((a, b) => b - a);
      check(JSON.stringify(descending.filter(v => !Number.isNaN(v))) === JSON.stringify(sortedCopy),
            `${metric}: descending order is not the reverse numeric order`);
    }
    // The mse column of repr: the degraded layer (largest mse) comes first when descending.
    const mseCol = await clickHeader(0, 'mse');
    await clickHeader(0, 'mse');
    const firstName = (await columnText(1))[0];
    check(firstName === 'layer_2/Conv', `largest mse first should be layer_2/Conv, got ${firstName}`);
    check((await columnValues(mseCol))[0] === 0.25, 'largest repr mse should be 0.25');
    // Back to graph order by the index column.
    const indexCol = await clickHeader(null, '#');
    const indices = await columnValues(indexCol);
    check(indices.every((v, i) => v === i), `index column did not restore graph order: ${indices.slice(0, 8)}`);
    // A text column: layer names in natural order.
    const nameCol = await clickHeader(null, 'layer');
    const sortedNames = await columnText(nameCol);
    const expected = [...sortedNames].sort((a, b) => a.localeCompare(b, undefined, {numeric: true}));
    check(JSON.stringify(sortedNames) === JSON.stringify(expected), 'layer names not in natural order');
    check(sortedNames.indexOf('layer_10/Conv') > sortedNames.indexOf('layer_9/Conv'), 'natural order: layer_9 before layer_10');

    // Let anything late (lazy images, timers) happen before judging requests and errors.
    await new Promise(r => setTimeout(r, 500));
    const network = requests.filter(url => url !== pageUrl && !url.startsWith('data:'));
    check(network.length === 0, `network requests: ${network.join(', ')}`);
    check(requests.includes(pageUrl), `the page itself was not requested? saw ${requests.slice(0, 3)}`);
    check(consoleErrors.length === 0, `console errors: ${consoleErrors.join(' | ')}`);
    console.log(`browser_check: screenshot ${image.width}x${image.height}, ${colours} colours, ${png.length} bytes; ` +
                `${images.length} charts; ${names.length} layers; ${requests.length} requests (page + data: URIs)`);
  } catch (e) {
    failures.push(`error: ${e.stack || e}`);
  } finally {
    clearTimeout(watchdog);
    await browser.close();
  }
  for (const f of failures) console.error('FAIL:', f);
  if (failures.length) console.error(`chromium stderr (tail):\n${browser.stderr.slice(-1500)}`);
  process.exit(failures.length ? 1 : 0);
}

main();
