import type { BackendKind, Session, SessionShape } from './engine.js';
import type { ModelConfig } from './model.js';

/** Opens a session on the backend asked for; each backend's code is loaded only when it is used. */
export async function openSession(kind: BackendKind, config: ModelConfig, shape: SessionShape): Promise<Session> {
  if (kind === 'cpu') {
    const { CpuSession } = await import('./cpu/session.js');
    return new CpuSession(config, shape);
  }
  if (kind === 'reference') {
    const { ReferenceSession } = await import('./cpu/referenceSession.js');
    return new ReferenceSession(config, shape);
  }
  const { openGpuSession } = await import('./gpu/session.js');
  return openGpuSession(config, shape);
}
