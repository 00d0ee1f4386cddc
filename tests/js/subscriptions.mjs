// The JavaScript SDK, unchanged, against a live presence-mock serve:
// @ringcentral/sdk logs in, @ringcentral/subscriptions subscribes as its README shows, a PUT of
// presence arrives as a notification, the subscription is updated (refresh) and removed (revoke)
// through the @rc-ex/ws subscription that register() returns.
// Run by tests/e2e/test_sdk_js.py with RINGCENTRAL_SERVER_URL, _CLIENT_ID, _CLIENT_SECRET, _JWT set;
// prints one line per step and exits non-zero on the first failure.
import assert from 'node:assert/strict';
import { SDK } from '@ringcentral/sdk';
import { Subscriptions } from '@ringcentral/subscriptions';

const ME = '/restapi/v1.0/account/~/extension/~/presence';
const env = process.env;

const sdk = new SDK({
  server: env.RINGCENTRAL_SERVER_URL,
  clientId: env.RINGCENTRAL_CLIENT_ID,
  clientSecret: env.RINGCENTRAL_CLIENT_SECRET,
});
const platform = sdk.platform();
const subscriptions = new Subscriptions({ sdk });

const received = [];
let wake = () => {};
const nextEvent = (ms = 10000) =>
  new Promise((resolve, reject) => {
    if (received.length) return resolve(received.shift());
    const timer = setTimeout(() => reject(new Error(`no notification in ${ms} ms`)), ms);
    wake = () => {
      clearTimeout(timer);
      resolve(received.shift());
    };
  });

const flip = async () => {
  const now = await (await platform.get(ME)).json();
  const userStatus = now.userStatus === 'Available' ? 'Busy' : 'Available';
  await platform.put(ME, { userStatus });
  return userStatus;
};

const main = async () => {
  await platform.login({ jwt: env.RINGCENTRAL_JWT });
  const owner = String((await platform.auth().data()).owner_id);

  const subscription = subscriptions.createSubscription();
  subscription.on(subscription.events.notification, (event) => {
    received.push(event);
    wake();
  });
  const wsSubscription = await subscription.setEventFilters([ME]).register();
  const info = wsSubscription.subscriptionInfo;
  assert.ok(info.id);
  assert.equal(info.deliveryMode.transportType, 'WebSocket');
  console.log(`subscribed ${info.id}`);

  let status = await flip();
  let event = await nextEvent();
  assert.equal(event.subscriptionId, info.id);
  assert.equal(event.body.userStatus, status);
  assert.equal(event.body.extensionId, owner);
  assert.equal(event.ownerId, owner);
  console.log(`notified ${event.event} ${event.body.userStatus}`);

  wsSubscription.eventFilters = [`${ME}?detailedTelephonyState=true`];
  await wsSubscription.refresh();
  assert.equal(wsSubscription.subscriptionInfo.id, info.id);
  assert.ok(wsSubscription.subscriptionInfo.eventFilters[0].endsWith('?detailedTelephonyState=true'));
  status = await flip();
  event = await nextEvent();
  assert.ok(event.event.endsWith('/presence?detailedTelephonyState=true'), event.event);
  assert.ok(Array.isArray(event.body.activeCalls));
  assert.equal(event.body.userStatus, status);
  console.log(`updated ${event.event}`);

  const wse = wsSubscription.wse;
  await wsSubscription.revoke();
  await flip();
  await assert.rejects(nextEvent(1500), /no notification/);
  const gone = await platform.get(`/restapi/v1.0/subscription/${info.id}`).catch((e) => e);
  assert.equal(gone.response?.status, 404);
  console.log('removed');

  await wse.revoke(); // the SDK's own way to end the socket
  console.log('done');
};

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
