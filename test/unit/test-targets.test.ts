import { HttpError } from '../../api/http-errors';
import { checkTestTargets, isInternalAddress, testTargetPolicyOf } from '../../api/test-targets';
import { parseConfig } from '../../core/config';

describe('connection-test targets', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.0.0.1',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.0.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::',
    'fe80::1',
    'fd12:3456::1',
    '::ffff:127.0.0.1',
    '::ffff:a00:1',
  ])('%s is internal', (address) => {
    expect(isInternalAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '172.32.0.1', '192.0.2.10', '100.128.0.1', '2001:db8::1', '::ffff:8.8.8.8', 'kafka.example.com'])(
    '%s is not',
    (address) => {
      expect(isInternalAddress(address)).toBe(false);
    },
  );

  it('refuses an internal target naming bootstrap_servers and the setting; passes public ones, own brokers and everything when allowed', async () => {
    const policy = { allowPrivate: false, knownBrokers: ['Kafka-Internal:9092'] };
    const refused = await checkTestTargets(['192.0.2.10:9092', '10.0.0.5:9093'], policy).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(HttpError);
    expect(refused).toMatchObject({
      status: 400,
      extra: {
        details: [
          {
            path: 'bootstrap_servers',
            message: expect.stringMatching(/^10\.0\.0\.5:9093 .*api\.allow_private_test_targets/),
          },
        ],
      },
    });
    await expect(checkTestTargets(['localhost:9092'], policy)).rejects.toBeInstanceOf(HttpError);
    await expect(checkTestTargets(['192.0.2.10:9092', 'kafka-internal:9092'], policy)).resolves.toBeUndefined();
    await expect(checkTestTargets(['127.0.0.1:9092'], { ...policy, allowPrivate: true })).resolves.toBeUndefined();
  });

  it("takes the policy from the config: refused by default, the config's brokers known", () => {
    expect(testTargetPolicyOf(parseConfig({}, '/tmp', {}))).toEqual({
      allowPrivate: false,
      knownBrokers: ['127.0.0.1:9092'],
    });
    expect(
      testTargetPolicyOf(parseConfig({ api: { allow_private_test_targets: true } }, '/tmp', {})).allowPrivate,
    ).toBe(true);
  });
});
