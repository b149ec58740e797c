/** A live session as its user sees it in a device list. */
export interface DeviceSession {
  id: string;
  createdAt: number;
  lastUsedAt: number;
  /** When it ends unless used again (SessionLifetime.deadline). */
  expiresAt: number;
  userAgent: string | null;
  ip: string | null;
}
