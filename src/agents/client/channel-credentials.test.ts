import { describe, expect, it } from 'vitest';
import { createCa, issueClientCert } from '../../common/pki/index.ts';
import { channelCredentials } from './channel-credentials.ts';

describe('channelCredentials', () => {
  const ca = createCa('test-ca');
  const other = createCa('other-ca');
  const client = issueClientCert(ca, { user: 'u' });
  const mtls = { caPem: ca.certPem, certPem: client.certPem, keyPem: client.keyPem };

  it('gives the same object for the same CA and certificate, so grpc-js pools one connection for them', () => {
    expect(channelCredentials({ caPem: ca.certPem })).toBe(channelCredentials({ caPem: ca.certPem }));
    expect(channelCredentials({ ...mtls })).toBe(channelCredentials(mtls));
  });

  it('keeps different material apart', () => {
    const caOnly = channelCredentials({ caPem: ca.certPem });
    expect(channelCredentials({ caPem: other.certPem })._equals(caOnly)).toBe(false);
    expect(channelCredentials(mtls)._equals(caOnly)).toBe(false);
  });

  it('is plaintext without a CA', () => {
    expect(channelCredentials({})._isSecure()).toBe(false);
  });
});
