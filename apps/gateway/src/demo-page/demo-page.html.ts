/** The quick start's demo frontend: plain socket.io-client, no build step. */
export const DEMO_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Agent stream demo</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; max-width: 60rem; }
  #log { font: 12px/1.5 ui-monospace, monospace; white-space: pre-wrap; background: #f5f5f5; padding: 1rem; height: 28rem; overflow-y: auto; }
  .row { display: flex; gap: .5rem; margin: .5rem 0; align-items: center; }
  input { padding: .3rem; }
</style>
</head>
<body>
<h1>Agent stream demo</h1>
<p>Starts a demo request on this gateway and shows every event with its <code>seq</code>. Reload the page mid-run: it rejoins with the last <code>seq</code> it saw and loses nothing.</p>
<div class="row">
  <label>steps <input id="steps" type="number" value="5" min="1" max="50" size="3"></label>
  <label>ask at step <input id="ask" type="number" min="1" size="3"></label>
  <label>fail at step <input id="fail" type="number" min="1" size="3"></label>
  <button id="start">Start</button> <button id="cancel">Cancel</button>
</div>
<div class="row" id="question" hidden><span id="prompt"></span> <input id="answer" value="go ahead"> <button id="send">Answer</button></div>
<div id="log"></div>
<script src="/socket.io/socket.io.js"></script>
<script>
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  const log = (line) => { const el = document.getElementById('log'); el.textContent += line + '\\n'; el.scrollTop = el.scrollHeight; };
  if (!token) log('No token: open the URL that \`npm start\` printed (it ends in #token=…), or add #token=<JWT>.');
  let requestId = sessionStorage.getItem('requestId');
  let lastSeq = Number(sessionStorage.getItem('lastSeq') || 0);
  let pending = null;
  const socket = io({ auth: { token } });
  const seen = (m) => { if (typeof m.seq === 'number' && m.seq > lastSeq) { lastSeq = m.seq; sessionStorage.setItem('lastSeq', lastSeq); } };
  socket.on('connect', () => {
    log('connected');
    if (requestId) socket.emit('rejoin', { requestId, lastSeq }, (ack) => log('rejoin ' + JSON.stringify(ack)));
  });
  socket.on('connect_error', (e) => log('connect_error: ' + e.message));
  socket.on('state', (s) => { log(\`state seq=\${s.seq} status=\${s.status} (\${(s.events || []).length} missed events replayed)\`); (s.events || []).forEach(show); seen(s); });
  function show(m) {
    if (typeof m.seq === 'number' && m.seq <= lastSeq) return;
    seen(m);
    log(\`#\${m.seq} \${m.type} \${JSON.stringify(Object.fromEntries(Object.entries(m).filter(([k]) => !['type','requestId','seq','ts'].includes(k))))}\`);
    if (m.type === 'question') { pending = m; document.getElementById('prompt').textContent = m.prompt; document.getElementById('question').hidden = false; }
  }
  ['progress', 'agent.completed', 'question', 'error', 'status', 'request.completed'].forEach((t) => socket.on(t, show));
  document.getElementById('start').onclick = () => {
    requestId = 'demo-' + Math.random().toString(36).slice(2, 10); lastSeq = 0;
    sessionStorage.setItem('requestId', requestId); sessionStorage.setItem('lastSeq', 0);
    const demo = { steps: Number(document.getElementById('steps').value) };
    for (const [id, key] of [['ask', 'askAtStep'], ['fail', 'failAtStep']]) { const v = document.getElementById(id).value; if (v) demo[key] = Number(v); }
    log(\`— start \${requestId} \${JSON.stringify(demo)}\`);
    socket.emit('start', { requestId, userQuery: 'Show me the demo', context: { demo } }, (ack) => log('start ' + JSON.stringify(ack)));
  };
  document.getElementById('cancel').onclick = () => requestId && socket.emit('cancel', { requestId }, (ack) => log('cancel ' + JSON.stringify(ack)));
  document.getElementById('send').onclick = () => {
    if (!pending) return;
    socket.emit('feedback', { requestId, questionId: pending.questionId, answer: document.getElementById('answer').value }, (ack) => log('feedback ' + JSON.stringify(ack)));
    document.getElementById('question').hidden = true; pending = null;
  };
</script>
</body>
</html>
`;
