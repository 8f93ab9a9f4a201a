// A real OpenID provider (npm's oidc-provider, OpenID-certified) for the
// console's tests, on a free loopback port. The Go test runs
//   node provider.mjs CONFIG.json
// and reads one line of JSON from stdout: {"issuer": "http://127.0.0.1:PORT"}.
// Config: {client_id, client_secret, redirect_uris, post_logout_redirect_uris,
// accounts: {login: {password, claims: {...}}}}; the accounts are read
// again at every use, so a test can move someone to another group. The login page below is
// the provider's own (a plain form checking the test accounts' passwords),
// so nothing is fetched from outside the machine.
import fs from 'node:fs';
import http from 'node:http';
import Provider from 'oidc-provider';

const cfgPath = process.argv[2];
const cfg = JSON.parse(fs.readFileSync(cfgPath, 'utf8'));
const accounts = () => JSON.parse(fs.readFileSync(cfgPath, 'utf8')).accounts;

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>` +
    `<body><main><h1>${title}</h1>${body}</main></body></html>`;
}

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: cfg.client_id,
      client_secret: cfg.client_secret,
      redirect_uris: cfg.redirect_uris,
      post_logout_redirect_uris: cfg.post_logout_redirect_uris || [],
      ...(cfg.backchannel_logout_uri ? { backchannel_logout_uri: cfg.backchannel_logout_uri, backchannel_logout_session_required: false } : {}),
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }],
    pkce: { required: () => true },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups', 'realm_access', 'roles'],
    },
    features: { devInteractions: { enabled: false }, backchannelLogout: { enabled: true } },
    // Test configuration only: oidc-provider refuses to call loopback
    // addresses (SSRF protection), and the console under test is on one.
    fetch: (url, options) => {
      delete options.dispatcher;
      return globalThis.fetch(url, options);
    },
    cookies: { keys: ['answers-console-tests-only'] },
    async findAccount(ctx, id) {
      const acct = accounts()[id];
      if (!acct) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...acct.claims }; } };
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  });
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  const callback = provider.callback();

  server.on('request', async (req, res) => {
    // The test's stand-in for a person signing out at the provider, or an
    // admin ending their sessions there: the provider's own back-channel
    // logout (a logout token it signs, POSTed to the console).
    const bc = req.url.match(/^\/test\/backchannel-logout\/([\w-]+)$/);
    if (bc && req.method === 'POST') {
      try {
        const client = await provider.Client.find(cfg.client_id);
        await client.backchannelLogout(bc[1]);
        res.end('sent');
      } catch (err) {
        res.statusCode = 502;
        res.end(`back-channel logout failed: ${err.message}`);
      }
      return;
    }
    const m = req.url.match(/^\/interaction\/([\w-]+)$/);
    if (!m) return callback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      const finish = async (accountId) => {
        const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
        grant.addOIDCScope(details.params.scope);
        const grantId = await grant.save();
        const result = { consent: { grantId } };
        if (details.prompt.name === 'login') result.login = { accountId };
        await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
      };
      if (details.prompt.name === 'consent') return await finish(details.session.accountId);
      let error = '';
      if (req.method === 'POST') {
        const f = await readForm(req);
        const acct = accounts()[f.get('login')];
        if (acct && acct.password === f.get('password')) return await finish(f.get('login'));
        error = '<p role="alert">Wrong login or password.</p>';
      }
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(page('Test provider sign-in', `${error}<form method="post" action="/interaction/${esc(m[1])}">` +
        '<label>Login <input name="login" autocomplete="username" required></label>' +
        '<label>Password <input name="password" type="password" autocomplete="current-password" required></label>' +
        '<button type="submit">Sign in</button></form>'));
    } catch (err) {
      res.statusCode = 400;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(`interaction failed: ${err.message}`);
    }
  });
  process.stdout.write(JSON.stringify({ issuer }) + '\n');
});

// The Go test closes stdin when it is done: leave then, whatever happens
// to the test process.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
