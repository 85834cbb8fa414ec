// The expert terminal's connection to its session: who is signed in here
// (`evaluation:whoami`), the expert's own stream, the offline queue of actions
// and the draft sender. Actions go now when the link is up and wait in the
// queue (persisted) when it is not; on every reconnect the terminal asks whoami
// again, sends what waited (same payloads, same idempotency keys) and the
// latest unsent draft.
import { computed, onScopeDispose, ref, shallowRef, watch, type Ref } from "vue";
import type { Ack, ErrorBody } from "@contracts/common";
import type { ClientEventName, EventInput, EventOutput } from "@contracts/events";
import type { DraftSheet } from "@contracts/evaluation";
import { socketStatus, type HallSocket } from "@/live/socket";
import { useLiveStream } from "@/live/useLiveStream";
import { asStreamKey } from "@contracts/streams";
import { emitAck } from "@/opening/rpc";
import { DraftSender, IdempotencyKeys, OfflineQueue, browserStorage, sendOrQueue, type FlushOutcome } from "./queue";

type WhoAmI = EventOutput<"evaluation:whoami">;

export type ActOutcome<E extends ClientEventName> = { queued: true } | { queued: false; ack: Ack<EventOutput<E>> };

export function useTerminal(socket: Ref<HallSocket | null> | (() => HallSocket | null), sessionId: () => string) {
  const storage = browserStorage();
  const sock = computed(() => (typeof socket === "function" ? socket() : socket.value));
  const connected = computed(() => (sock.value ? socketStatus(sock.value).connected.value : false));

  const who = ref<WhoAmI | null>(null);
  const whoError = ref<ErrorBody | null>(null);
  const asking = ref(false);
  async function whoami(): Promise<void> {
    asking.value = true;
    const res = await emitAck(sock.value, "evaluation:whoami", { sessionId: sessionId() });
    asking.value = false;
    if (res.ok) {
      who.value = res.data;
      whoError.value = null;
    } else if (res.error.code !== "NETWORK_ERROR") {
      // Signed out here (NOT_ON_COMMITTEE), or another expert now: forget the old one.
      who.value = null;
      whoError.value = res.error;
    }
  }

  const live = useLiveStream(sock, () => asStreamKey("evaluationExpert", who.value?.stream));
  const state = computed(() => live.state.value ?? null);

  // Per member: queue, keys, draft sequence.
  const queue = shallowRef<OfflineQueue | null>(null);
  const keys = new IdempotencyKeys(storage);
  const queued = ref(0);
  const lastFlush = ref<FlushOutcome[]>([]);
  const draftSaved = ref<number | null>(null);
  const draftError = ref<ErrorBody | null>(null);
  let drafts: DraftSender | null = null;

  const send = (event: string, payload: unknown) => emitAck(sock.value, event as ClientEventName, payload as never);

  watch(
    () => who.value?.memberId ?? null,
    (memberId) => {
      drafts?.dispose();
      drafts = null;
      queue.value = null;
      if (!memberId) return;
      const base = `hall.eval:${sessionId()}:${memberId}`;
      queue.value = new OfflineQueue(storage, `${base}:queue`);
      queued.value = queue.value.pending.length;
      drafts = new DraftSender({
        storage,
        storageKey: `${base}:draftSeq`,
        debounceMs: 250,
        connected: () => connected.value,
        send: (clientSeq, sheet) => emitAck(sock.value, "evaluation:draft", { sessionId: sessionId(), clientSeq, sheet: sheet as DraftSheet }),
        onSaved: (seq) => {
          draftSaved.value = seq;
          draftError.value = null;
        },
        onError: (e) => (draftError.value = e),
      });
      void flush();
    },
    { immediate: true },
  );

  // The server's held clientSeq: never send a draft at or below it.
  watch(
    () => state.value?.drafts.clientSeq,
    (seq) => {
      if (typeof seq === "number") drafts?.seen(seq);
    },
  );

  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  async function flush(): Promise<void> {
    const q = queue.value;
    if (!q || !connected.value) return;
    const out = await q.flush(send);
    queued.value = q.pending.length;
    if (out.length) lastFlush.value = out;
    // Still connected but the send failed on the way (a timeout): try again shortly.
    if (q.pending.length && connected.value && !retryTimer) {
      retryTimer = setTimeout(() => {
        retryTimer = null;
        void flush();
      }, 3_000);
    }
  }

  async function onConnect() {
    await whoami();
    await flush();
    drafts?.online();
  }
  watch(
    sock,
    (s, old) => {
      old?.off("connect", onConnect);
      s?.on("connect", onConnect);
      if (s?.connected) void onConnect();
    },
    { immediate: true },
  );
  onScopeDispose(() => {
    if (retryTimer) clearTimeout(retryTimer);
    sock.value?.off("connect", onConnect);
    drafts?.dispose();
  });

  /** An expert action: sent now, or queued until the link is back. */
  async function act<E extends ClientEventName>(event: E, payload: EventInput<E>): Promise<ActOutcome<E>> {
    const q = queue.value;
    if (!q) return { queued: false, ack: { ok: false, error: { code: "NOT_ON_COMMITTEE", message: "not signed in" } } };
    const r = await sendOrQueue(q, connected.value, send, event, payload);
    queued.value = q.pending.length;
    return r as ActOutcome<E>;
  }

  /** A direct call (no queueing): for steps that make no sense later (sign-in, signing). */
  const call = <E extends ClientEventName>(event: E, payload: EventInput<E>) => emitAck(sock.value, event, payload);

  function draft(sheet: DraftSheet) {
    drafts?.change(sheet);
  }
  async function flushDraft() {
    await drafts?.flushNow();
  }

  // One idempotency key per submission generation of a step: a correction that
  // reopens the step (my submission of it disappears) starts a new generation.
  const genKey = (step: string) => `hall.eval:${sessionId()}:${who.value?.memberId ?? "-"}:${step}:gen`;
  const readGen = (step: string): { gen: number; had: boolean } => {
    try {
      const v = JSON.parse(storage.getItem(genKey(step)) ?? "null") as { gen?: unknown; had?: unknown } | null;
      return { gen: typeof v?.gen === "number" ? v.gen : 0, had: v?.had === true };
    } catch {
      return { gen: 0, had: false };
    }
  };
  watch(
    () => state.value?.submissions.map((x) => x.step).join(",") ?? null,
    (list) => {
      if (list === null || !who.value) return;
      for (const step of ["qualification", "scoring", "adjustments"] as const) {
        const has = state.value!.submissions.some((x) => x.step === step);
        const g = readGen(step);
        const next = { gen: g.had && !has ? g.gen + 1 : g.gen, had: has };
        if (next.gen !== g.gen || next.had !== g.had) storage.setItem(genKey(step), JSON.stringify(next));
      }
    },
  );

  /** The idempotency key of this member's submit of `step`: the same on every retry, new after a correction reopened it. */
  function submitKey(step: "qualification" | "scoring" | "adjustments"): string {
    return keys.get(IdempotencyKeys.scope(sessionId(), who.value?.memberId ?? "-", step, readGen(step).gen));
  }

  return { who, whoError, asking, whoami, live, state, connected, queued, lastFlush, act, call, draft, flushDraft, draftSaved, draftError, submitKey };
}

export type Terminal = ReturnType<typeof useTerminal>;
