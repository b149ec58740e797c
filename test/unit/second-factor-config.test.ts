import { loadConfig } from '../../src/config/config.js';
import { configError } from '../helpers/config-error.js';

describe('second-factor settings', () => {
  it('follow APP_URL by default: its host is the rp id, its origin the one passkey origin', () => {
    expect(loadConfig({ APP_URL: 'https://app.example.com:8443/base/' }).secondFactor).toEqual({
      totpIssuer: 'auth-gateway',
      webauthnRpId: 'app.example.com',
      webauthnRpName: 'auth-gateway',
      webauthnOrigins: ['https://app.example.com:8443'],
    });
  });

  it('read WEBAUTHN_ORIGINS as a comma-separated list of origins (paths dropped) and lower-case the rp id', () => {
    const config = loadConfig({ WEBAUTHN_RP_ID: 'Example.COM', WEBAUTHN_ORIGINS: 'https://example.com, https://login.example.com/path' });
    expect(config.secondFactor.webauthnRpId).toBe('example.com');
    expect(config.secondFactor.webauthnOrigins).toEqual(['https://example.com', 'https://login.example.com']);
  });

  it('refuse an rp id with a scheme or port and an origin that is not http(s): one line each', () => {
    const { problems } = configError({ WEBAUTHN_RP_ID: 'https://example.com:443', WEBAUTHN_ORIGINS: 'https://example.com,ftp://example.com' });
    expect(problems).toHaveLength(2);
    expect(problems[0]!.startsWith('WEBAUTHN_RP_ID: ')).toBe(true);
    expect(problems[1]!.startsWith('WEBAUTHN_ORIGINS: ')).toBe(true);
  });
});
