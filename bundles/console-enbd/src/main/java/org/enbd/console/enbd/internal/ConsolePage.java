package org.enbd.console.enbd.internal;

/**
 * The page's HTML: tables the script fills from the model (first from the one embedded, then from
 * {@code status.json} every second) and a canvas with the live read/write throughput of the exports that stack
 * the stats feature. Plain JavaScript, nothing fetched from anywhere else; values reach the page as text nodes
 * only, never as markup.
 */
final class ConsolePage {
    private ConsolePage() {
    }

    static String html(String page, String modelJson, int chartSeconds) {
        return TEMPLATE.replace("@PAGE@", Json.write(page)).replace("@MODEL@", modelJson)
                .replace("@SECONDS@", Integer.toString(chartSeconds));
    }

    private static final String TEMPLATE = """
            <style>
              #enbd table.enbd { width: 100%; border-collapse: collapse; margin-bottom: 1em; }
              #enbd table.enbd th, #enbd table.enbd td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #ddd; }
              #enbd .UP { color: #17702a; font-weight: bold; } #enbd .FAILED, #enbd .DOWN { color: #b00020; font-weight: bold; }
              #enbd .DEGRADED, #enbd .STARTING { color: #a36100; font-weight: bold; }
              #enbd h2 { margin: 0.8em 0 0.3em; } #enbd canvas { border: 1px solid #ccc; background: #fff; }
              #enbd .legend span { margin-right: 1.5em; } #enbd .muted { color: #777; }
            </style>
            <div id="enbd">
              <h2>Throughput</h2>
              <canvas id="enbd-chart" width="720" height="170"></canvas>
              <div class="legend"><span style="color:#1f5fbf">&#9632; write <b id="enbd-write">0 B/s</b></span>
                <span style="color:#2b9348">&#9632; read <b id="enbd-read">0 B/s</b></span>
                <span class="muted">exports with the stats feature, last @SECONDS@ s</span></div>
              <h2>Exports</h2>
              <table class="enbd" id="enbd-exports"><thead><tr><th>Export</th><th>State</th><th>Backend</th>
                <th>Features</th><th>Parameters</th><th>Change features</th></tr></thead><tbody></tbody></table>
              <div id="enbd-message" class="muted"></div>
              <h2>Listeners</h2>
              <table class="enbd" id="enbd-listeners"><thead><tr><th>Listener</th><th>State</th><th>Detail</th></tr></thead><tbody></tbody></table>
              <h2>Client devices</h2>
              <table class="enbd" id="enbd-devices"><thead><tr><th>Device</th><th>Kind</th><th>State</th><th>Server</th>
                <th>Connections</th><th>Reconnects</th><th>Retracted</th><th>Resubmitted</th><th>Queued</th><th>Detail</th><th>Actions</th></tr></thead><tbody></tbody></table>
              <div id="enbd-device-message" class="muted"></div>
              <h2>Remote ioctls</h2>
              <table class="enbd" id="enbd-ioctls"><thead><tr><th>Device</th><th>State</th><th>Server</th><th>Control node</th>
                <th>Run an ioctl the export allows</th><th>Last answer</th></tr></thead><tbody></tbody></table>
              <div id="enbd-ioctl-message" class="muted"></div>
              <h2>Accounting (stats feature)</h2>
              <table class="enbd" id="enbd-stats"><thead><tr><th>Export</th><th>Connections</th><th>Read</th><th>Written</th>
                <th>Requests</th><th>Errors (wire/medium)</th><th>Read p99 &lt;</th><th>Write p99 &lt;</th></tr></thead><tbody></tbody></table>
              <h2>Other components</h2>
              <table class="enbd" id="enbd-others"><thead><tr><th>Id</th><th>Kind</th><th>State</th><th>Detail</th></tr></thead><tbody></tbody></table>
            </div>
            <script>
            (function () {
              // the origin without any user:password@ a URL may carry, which fetch refuses
              const page = location.origin + @PAGE@, seconds = @SECONDS@;
              const samples = [];
              const chosen = {}; // the ioctl form's choices by node id, kept across the refills
              let last = null;
              function size(n) {
                const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB']; let i = 0; n = Number(n || 0);
                while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
                return (i ? n.toFixed(1) : n) + ' ' + u[i];
              }
              function cell(tr, text, cls) {
                const td = document.createElement('td'); td.textContent = text == null ? '' : String(text);
                if (cls) td.className = cls; tr.appendChild(td); return td;
              }
              function fill(id, rows, render) {
                const body = document.querySelector('#' + id + ' tbody');
                body.replaceChildren();
                if (!rows.length) {
                  const tr = document.createElement('tr');
                  cell(tr, 'none', 'muted').colSpan = document.querySelectorAll('#' + id + ' th').length;
                  body.appendChild(tr); return;
                }
                rows.forEach(r => { const tr = document.createElement('tr'); render(tr, r); body.appendChild(tr); });
              }
              function edited() { const a = document.activeElement; return a && a.dataset && a.dataset.export; }
              function render(m) {
                if (!edited()) fill('enbd-exports', m.exports, (tr, e) => {
                  cell(tr, e.name === '' ? '"" (default)' : e.name).title = e.id;
                  cell(tr, e.state, e.state).title = e.detail;
                  cell(tr, e.backend + (e.readOnly ? ' (ro)' : ''));
                  cell(tr, e.features.length ? e.features.join('+') : 'none');
                  cell(tr, Object.entries(e.parameters).map(([k, v]) => k + '=' + v).join(', '));
                  const td = cell(tr, '');
                  if (e.configured) {
                    const input = document.createElement('input'); input.size = 18; input.dataset.export = e.id;
                    input.value = e.features.join('+'); input.placeholder = 'stats+fault';
                    const apply = document.createElement('button'); apply.textContent = 'Apply';
                    apply.onclick = () => setFeatures(e.id, input.value);
                    td.append(input, ' ', apply);
                  }
                });
                fill('enbd-listeners', m.listeners, (tr, l) => { cell(tr, l.id); cell(tr, l.state, l.state); cell(tr, l.detail); });
                fill('enbd-devices', m.devices, (tr, d) => {
                  cell(tr, d.device || d.id).title = d.id; cell(tr, d.kind); cell(tr, d.state, d.state); cell(tr, d.server);
                  cell(tr, d.connections == null ? '' : d.connections + (d.targetConnections == null ? '' : ' / ' + d.targetConnections));
                  cell(tr, d.reconnects); cell(tr, d.retracted); cell(tr, d.resubmitted); cell(tr, d.queued); cell(tr, d.detail);
                  const td = cell(tr, '');
                  (d.actions || []).forEach(name => {
                    const b = document.createElement('button'); b.textContent = name;
                    b.dataset.device = d.id; b.dataset.action = name;
                    b.onclick = () => act(d.id, name); td.append(b, ' ');
                  });
                });
                const a = document.activeElement, picking = a && a.dataset && (a.dataset.ioctlNode || a.dataset.ioctlArg);
                if (!picking) fill('enbd-ioctls', m.ioctlNodes || [], (tr, n) => {
                  cell(tr, n.device || n.id).title = n.id; cell(tr, n.state, n.state).title = n.detail;
                  cell(tr, n.server); cell(tr, n.node || 'none');
                  const td = cell(tr, '');
                  if ((n.actions || []).includes('ioctl')) {
                    const c = chosen[n.id] || (chosen[n.id] = { name: n.ioctls[0] || '', arg: '' });
                    const select = document.createElement('select'); select.dataset.ioctlNode = n.id;
                    n.ioctls.forEach(name => { const o = document.createElement('option'); o.value = o.textContent = name; select.append(o); });
                    select.value = c.name; select.onchange = () => { c.name = select.value; };
                    const arg = document.createElement('input'); arg.size = 14; arg.placeholder = 'argument';
                    arg.dataset.ioctlArg = n.id; arg.value = c.arg; arg.oninput = () => { c.arg = arg.value; };
                    const run = document.createElement('button'); run.textContent = 'Run'; run.dataset.ioctlRun = n.id;
                    run.disabled = n.state !== 'UP' || !n.ioctls.length;
                    run.onclick = () => runIoctl(n.id, (c.name + ' ' + c.arg).trim());
                    td.append(select, ' ', arg, ' ', run);
                  }
                  const l = n.last || {};
                  const answer = cell(tr, l.call == null ? 'none yet' : '#' + l.call + ' ' + l.ioctl + ': result ' + l.result
                    + ', errno ' + l.errno + (l.data ? ', data ' + l.data : ''));
                  answer.dataset.ioctlLast = n.id; answer.title = l.text || '';
                });
                fill('enbd-stats', m.stats, (tr, s) => {
                  const c = s.counters;
                  cell(tr, s.export === '' ? '"" (default)' : s.export);
                  cell(tr, (c['connections.open'] || 0) + ' open, ' + (c['connections.total'] || 0) + ' in all');
                  cell(tr, size(c['read.bytes']) + ' in ' + (c['read.requests'] || 0));
                  cell(tr, size(c['write.bytes']) + ' in ' + (c['write.requests'] || 0));
                  cell(tr, c.requests || 0); cell(tr, (c['errors.wire'] || 0) + ' / ' + (c['errors.medium'] || 0));
                  cell(tr, (c['read.p99BelowUs'] || 0) + ' µs'); cell(tr, (c['write.p99BelowUs'] || 0) + ' µs');
                });
                fill('enbd-others', m.others, (tr, o) => { cell(tr, o.id); cell(tr, o.kind); cell(tr, o.state, o.state); cell(tr, o.detail); });
                sample(m);
              }
              function sample(m) {
                let r = 0, w = 0;
                m.stats.forEach(s => { r += s.counters['read.bytes'] || 0; w += s.counters['write.bytes'] || 0; });
                const now = performance.now();
                if (last && now > last.t) {
                  const dt = (now - last.t) / 1000;
                  samples.push({ r: Math.max(0, (r - last.r) / dt), w: Math.max(0, (w - last.w) / dt) });
                  while (samples.length > seconds) samples.shift();
                  document.getElementById('enbd-read').textContent = size(samples[samples.length - 1].r) + '/s';
                  document.getElementById('enbd-write').textContent = size(samples[samples.length - 1].w) + '/s';
                }
                last = { t: now, r: r, w: w };
                draw();
              }
              function draw() {
                const c = document.getElementById('enbd-chart'), g = c.getContext('2d');
                g.clearRect(0, 0, c.width, c.height);
                const top = Math.max(1024 * 1024, ...samples.map(s => Math.max(s.r, s.w)));
                g.strokeStyle = '#eee'; g.fillStyle = '#777'; g.font = '11px sans-serif';
                for (let i = 0; i <= 4; i++) {
                  const y = 10 + (c.height - 20) * i / 4;
                  g.beginPath(); g.moveTo(60, y); g.lineTo(c.width - 5, y); g.stroke();
                  g.fillText(size(top * (4 - i) / 4) + '/s', 2, y + 4);
                }
                [['w', '#1f5fbf'], ['r', '#2b9348']].forEach(([k, color]) => {
                  g.strokeStyle = color; g.lineWidth = 2; g.beginPath();
                  samples.forEach((s, i) => {
                    const x = 60 + (c.width - 65) * (i + seconds - samples.length) / Math.max(1, seconds - 1);
                    const y = 10 + (c.height - 20) * (1 - s[k] / top);
                    i ? g.lineTo(x, y) : g.moveTo(x, y);
                  });
                  g.stroke();
                });
              }
              function setFeatures(id, features) {
                const body = new URLSearchParams({ action: 'features', id: id, features: features });
                fetch(page, { method: 'POST', body: body, credentials: 'same-origin' })
                  .then(r => r.json()).then(a => {
                    document.getElementById('enbd-message').textContent = a.ok
                      ? id + ': features set to ' + (a.features.length ? a.features.join('+') : 'none') : a.error;
                    document.activeElement.blur(); poll();
                  });
              }
              function act(id, name) {
                if (name === 'disconnect' && !confirm('Disconnect ' + id + '? Its configuration is deleted.')) return;
                const body = new URLSearchParams({ action: 'act', id: id, name: name });
                fetch(page, { method: 'POST', body: body, credentials: 'same-origin' })
                  .then(r => r.json()).then(a => {
                    document.getElementById('enbd-device-message').textContent = a.ok ? a.message : a.error;
                    poll();
                  });
              }
              function runIoctl(id, argument) {
                const body = new URLSearchParams({ action: 'act', id: id, name: 'ioctl', argument: argument });
                fetch(page, { method: 'POST', body: body, credentials: 'same-origin' })
                  .then(r => r.json()).then(a => {
                    document.getElementById('enbd-ioctl-message').textContent = a.ok ? a.message : a.error;
                    poll();
                  });
              }
              function poll() {
                fetch(page + '/status.json', { credentials: 'same-origin', cache: 'no-store' })
                  .then(r => r.ok ? r.json() : Promise.reject(r.status)).then(render)
                  .catch(e => { document.getElementById('enbd-message').textContent = 'status not read: ' + e; });
              }
              render(@MODEL@);
              setInterval(poll, 1000);
            })();
            </script>
            """;
}
