import { createHmac } from 'node:crypto';
import { waitFor } from '@roster/testing';
import { Api } from './support/api';
import type { Deployment } from './support/deployment';

/** Native channel webhooks end to end (issue "Channel ingestion"): connections, signatures, mapping, de-duplication. */
export function webhooksSuite(mode: string, start: () => Promise<Deployment>): void {
  describe(`Channel webhooks end to end (${mode})`, () => {
    jest.setTimeout(60_000);
    let deployment: Deployment;
    let admin: Api;
    let bot: { id: string; api: Api };
    const PAGE = `page-${Date.now()}`;
    const WA_NUMBER_ID = `wa-${Date.now()}`;
    const TWILIO_NUMBER = `+1555${String(Date.now()).slice(-7)}`;
    const APP_SECRET = 'meta-app-secret-for-tests';
    const TWILIO_TOKEN = 'twilio-auth-token-for-tests';

    beforeAll(async () => {
      deployment = await start();
      admin = new Api(deployment.baseUrl, deployment.adminKey);
      const created = await admin.post('/v1/bots', { name: 'Webhook bot' });
      const key = await admin.post(`/v1/bots/${created.json.id}/api-keys`);
      bot = { id: created.json.id, api: admin.as(key.json.key) };
      for (const connection of [
        { type: 'messenger', externalId: PAGE, secret: APP_SECRET, verifyToken: 'verify-me' },
        { type: 'whatsapp', externalId: WA_NUMBER_ID, secret: APP_SECRET },
        { type: 'twilio-sms', externalId: TWILIO_NUMBER, secret: TWILIO_TOKEN },
      ]) {
        expect((await bot.api.post(`/v1/bots/${bot.id}/channels`, connection)).status).toBe(201);
      }
    }, 120_000);

    afterAll(async () => {
      await deployment?.stop();
    }, 60_000);

    const metaSignature = (body: string, secret = APP_SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    const postRaw = (path: string, body: string, headers: Record<string, string>) => new Api(deployment.baseUrl).post(path, body, headers);
    const usersOf = async () => {
      const page = await bot.api.get(`/v1/bots/${bot.id}/users?limit=500`);
      return page.json.items as { channel: string; channelUserId: string; name: string | null; status: string }[];
    };

    it('lists connections without their secrets; a second connection of the same account is a 409', async () => {
      const list = await bot.api.get(`/v1/bots/${bot.id}/channels`);
      expect(list.status).toBe(200);
      expect(list.json).toHaveLength(3);
      expect(list.text).not.toContain(APP_SECRET);
      expect(list.text).not.toContain(TWILIO_TOKEN);
      expect(list.text).not.toContain('verify-me');
      expect((await bot.api.post(`/v1/bots/${bot.id}/channels`, { type: 'messenger', externalId: PAGE, secret: 'x' })).status).toBe(409);
      const bad = await bot.api.post(`/v1/bots/${bot.id}/channels`, { type: 'fax', externalId: '', secret: 'x' });
      expect(bad.status).toBe(400);
      expect(bad.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(['externalId', 'type']);
    });

    it('answers the Meta subscription check only for a known verify token', async () => {
      const ok = await new Api(deployment.baseUrl).get('/webhooks/meta?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444');
      expect(ok.status).toBe(200);
      expect(ok.text).toBe('1158201444');
      expect((await new Api(deployment.baseUrl).get('/webhooks/meta?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1')).status).toBe(403);
    });

    it('takes a signed Messenger message, creates the user once even when Meta redelivers it', async () => {
      const body = JSON.stringify({
        object: 'page',
        entry: [{ id: PAGE, time: Date.now(), messaging: [{ sender: { id: 'PSID-1' }, recipient: { id: PAGE }, timestamp: Date.now(), message: { mid: `m_${Date.now()}`, text: 'hello' } }] }],
      });
      const first = await postRaw('/webhooks/meta', body, { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body) });
      expect(first.status).toBe(200);
      expect((await postRaw('/webhooks/meta', body, { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body) })).status).toBe(200);
      await waitFor(async () => (await usersOf()).some((u) => u.channel === 'messenger' && u.channelUserId === 'PSID-1'), { what: 'the messenger user' });
      const history = await waitFor(async () => {
        const user = (await usersOf()).find((u) => u.channelUserId === 'PSID-1') as unknown as { id: string };
        return (await bot.api.get(`/v1/bots/${bot.id}/users/${user.id}`)).json;
      });
      expect(history.version).toBe(1);
    });

    it('refuses a bad signature with a 401 and records nothing', async () => {
      const body = JSON.stringify({
        object: 'page',
        entry: [{ id: PAGE, time: Date.now(), messaging: [{ sender: { id: 'PSID-FORGED' }, recipient: { id: PAGE }, timestamp: Date.now(), message: { mid: 'm_forged', text: 'hi' } }] }],
      });
      expect((await postRaw('/webhooks/meta', body, { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body, 'wrong-secret') })).status).toBe(401);
      expect((await postRaw('/webhooks/meta', body, { 'content-type': 'application/json' })).status).toBe(401);
      expect((await postRaw('/webhooks/meta', body.replace('hi', 'ho'), { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body) })).status).toBe(401);
      await new Promise((r) => setTimeout(r, 500));
      expect((await usersOf()).some((u) => u.channelUserId === 'PSID-FORGED')).toBe(false);
    });

    it('acknowledges a well-signed payload it cannot use (recorded as rejected)', async () => {
      const body = JSON.stringify({ object: 'page', entry: [{ id: PAGE, time: Date.now(), messaging: [{ sender: { id: 'X' }, something: 'unknown' }] }] });
      expect((await postRaw('/webhooks/meta', body, { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body) })).status).toBe(200);
    });

    it('takes a signed WhatsApp message with the contact profile name; status updates are not interactions', async () => {
      const wamid = `wamid.${Date.now()}`;
      const body = JSON.stringify({
        object: 'whatsapp_business_account',
        entry: [{ id: 'WABA', changes: [{ field: 'messages', value: {
          messaging_product: 'whatsapp',
          metadata: { display_phone_number: '15550000000', phone_number_id: WA_NUMBER_ID },
          contacts: [{ profile: { name: 'Grace Hopper' }, wa_id: '31611112222' }],
          messages: [{ from: '31611112222', id: wamid, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: 'hi' } }],
        } }] }],
      });
      expect((await postRaw('/webhooks/whatsapp', body, { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body) })).status).toBe(200);
      const user = await waitFor(async () => (await usersOf()).find((u) => u.channel === 'whatsapp'), { what: 'the whatsapp user' });
      expect(user).toMatchObject({ channelUserId: '31611112222', name: 'Grace Hopper' });
    });

    it('takes a signed Twilio SMS (empty TwiML answer), and STOP unsubscribes the user', async () => {
      const twilioSign = (path: string, params: Record<string, string>) => {
        const data = Object.keys(params).sort().reduce((acc, k) => acc + k + params[k], `${deployment.baseUrl}${path}`);
        return createHmac('sha1', TWILIO_TOKEN).update(Buffer.from(data, 'utf-8')).digest('base64');
      };
      const send = (params: Record<string, string>, signature = twilioSign('/webhooks/twilio/sms', params)) =>
        postRaw('/webhooks/twilio/sms', new URLSearchParams(params).toString(), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature });
      const hello = { MessageSid: `SM${Date.now()}a`, From: '+31622223333', To: TWILIO_NUMBER, Body: 'Hello' };
      const answer = await send(hello);
      expect(answer.status).toBe(200);
      expect(answer.contentType).toContain('xml');
      expect(answer.text).toContain('<Response></Response>');
      await waitFor(async () => (await usersOf()).find((u) => u.channel === 'sms' && u.channelUserId === '+31622223333' && u.status === 'subscribed'), { what: 'the sms user' });
      expect((await send({ ...hello, MessageSid: `SM${Date.now()}b`, Body: 'Hello' }, 'AAAA')).status).toBe(401);
      await send({ ...hello, MessageSid: `SM${Date.now()}c`, Body: ' stop ' });
      await waitFor(async () => (await usersOf()).find((u) => u.channelUserId === '+31622223333' && u.status === 'unsubscribed'), { what: 'unsubscribed by STOP' });
    });

    it("disconnects a channel: its webhooks are refused afterwards; another bot's key gets 404", async () => {
      const other = await admin.post('/v1/bots', { name: 'Other' });
      const otherKey = await admin.post(`/v1/bots/${other.json.id}/api-keys`);
      const list = await bot.api.get(`/v1/bots/${bot.id}/channels`);
      const wa = list.json.find((c: { type: string }) => c.type === 'whatsapp');
      expect((await admin.as(otherKey.json.key).get(`/v1/bots/${bot.id}/channels`)).status).toBe(404);
      expect((await bot.api.call('DELETE', `/v1/bots/${bot.id}/channels/${wa.id}`)).status).toBe(204);
      expect((await bot.api.call('DELETE', `/v1/bots/${bot.id}/channels/${wa.id}`)).status).toBe(404);
      const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: 'WABA', changes: [{ field: 'messages', value: { metadata: { phone_number_id: WA_NUMBER_ID }, messages: [] } }] }] });
      expect((await postRaw('/webhooks/whatsapp', body, { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(body) })).status).toBe(401);
    });
  });
}
