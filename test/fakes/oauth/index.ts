// Local stand-ins for Google, Naver and Kakao that speak their wire formats; see each file.
export { type Approval, type Endpoint, type FakeServer, pkcePair, type RecordedCall, s256 } from './base.js';
export { type FakeGoogle, type GoogleOptions, type GoogleProfile, startFakeGoogle } from './google.js';
export { type FakeKakao, type KakaoOptions, type KakaoProfile, startFakeKakao } from './kakao.js';
export { type FakeNaver, type NaverOptions, type NaverProfile, startFakeNaver } from './naver.js';
