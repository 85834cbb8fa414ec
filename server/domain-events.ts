// Domain events: commands emit them after their transaction commits; the
// broadcaster (server/live) decides which live streams they touch.
import { EventEmitter } from "node:events";

export interface DomainEvents {
  "room.noticeChanged": { roomId: string };
  "device.presenceChanged": { deviceId: string; roomId: string; online: boolean };
  "device.healthChanged": { deviceId: string; roomId: string };
  /** A device was added, re-keyed or revoked. */
  "device.registryChanged": { deviceId: string; roomId: string };
  "opening.lotsChanged": { projectId: string };
  "auth.tokenRevoked": { tokenId: string };
  /** Anything about a lot's bids or live opening changed (stage, sign-in, decryption, …). */
  "opening.changed": { lotId: string; roomId: string; companyIds?: string[] };
  /** An expert draw changed (committed, drawn, an answer, a replacement, a sign-in, cancelled). */
  "experts.drawChanged": { drawId: string };
  /** An evaluation session changed (step, sign-in, a submission, link health, …): every stream of it. */
  "evaluation.changed": { sessionId: string; roomIds: string[]; companyIds?: string[] };
  /** Only one expert's own terminal state changed (a draft keystroke). */
  "evaluation.memberChanged": { sessionId: string; memberId: string };
}

export class DomainEventBus {
  private readonly emitter = new EventEmitter();
  emit<K extends keyof DomainEvents>(name: K, payload: DomainEvents[K]): void {
    this.emitter.emit(name, payload);
  }
  on<K extends keyof DomainEvents>(name: K, fn: (payload: DomainEvents[K]) => void | Promise<void>): void {
    this.emitter.on(name, fn);
  }
  removeAll(): void {
    this.emitter.removeAllListeners();
  }
}
