// Vue binding of the contracts' LiveStreamClient: reactive state, version,
// stale flag and last error of one stream, plus the server's clock.
//
// Streams are shared per (socket, stream key) with a reference count: the
// server keeps one membership per socket and stream, so two components
// watching `room:X` on the same socket must not have one `live:leave` the
// other. The client is stopped when the last user goes (component unmount or
// a change of the stream key).
import { computed, onScopeDispose, ref, shallowRef, toValue, watch, type MaybeRefOrGetter, type Ref, type ShallowRef } from "vue";
import type { ErrorBody } from "@contracts/common";
import { LiveStreamClient } from "@contracts/live-client";
import type { StateOf, StreamKey, StreamKindName } from "@contracts/streams";
import type { HallSocket } from "./socket";

interface Shared {
  client: LiveStreamClient<unknown>;
  state: ShallowRef<unknown>;
  version: Ref<number>;
  stale: Ref<boolean>;
  error: Ref<ErrorBody | null>;
  refs: number;
}

const registry = new WeakMap<HallSocket, Map<string, Shared>>();

function acquire(socket: HallSocket, stream: string): Shared {
  let perSocket = registry.get(socket);
  if (!perSocket) registry.set(socket, (perSocket = new Map()));
  const found = perSocket.get(stream);
  if (found) {
    found.refs++;
    return found;
  }
  const state = shallowRef<unknown>(undefined);
  const version = ref(0);
  const stale = ref(false);
  const error = ref<ErrorBody | null>(null);
  const client = new LiveStreamClient<unknown>(socket, stream, {
    onState: (s, v) => {
      state.value = s;
      version.value = v;
      error.value = null;
    },
    onStale: (s) => {
      stale.value = s;
    },
    onError: (e) => {
      error.value = e;
    },
  });
  const shared: Shared = { client, state, version, stale, error, refs: 1 };
  perSocket.set(stream, shared);
  client.start();
  return shared;
}

function release(socket: HallSocket, stream: string, shared: Shared) {
  shared.refs--;
  if (shared.refs > 0) return;
  shared.client.stop();
  const perSocket = registry.get(socket);
  if (perSocket?.get(stream) === shared) perSocket.delete(stream);
}

export interface LiveStream<S> {
  /** The stream's state once joined; undefined before the first snapshot. */
  state: Readonly<Ref<S | undefined>>;
  version: Readonly<Ref<number>>;
  /** True after 3 s without hearing the server; false again after resync. */
  stale: Readonly<Ref<boolean>>;
  /** Last join error from the server (FORBIDDEN, NOT_FOUND, …). */
  error: Readonly<Ref<ErrorBody | null>>;
  /** The server's clock now (ms epoch), from the offset measured on ticks. */
  serverNow: () => number;
}

/**
 * Follows one live stream. `socket` and `stream` may be refs or getters; a
 * null stream (not known yet) follows nothing. Stops on scope disposal.
 * The key comes from `streamKey.<kind>(…)` (@contracts/streams): the state's type follows from its kind.
 */
export function useLiveStream<K extends StreamKindName>(socket: MaybeRefOrGetter<HallSocket | null>, stream: MaybeRefOrGetter<StreamKey<K> | null>): LiveStream<StateOf<K>> {
  const current = shallowRef<Shared | null>(null);
  let held: { socket: HallSocket; stream: string; shared: Shared } | null = null;

  const stopHolding = () => {
    if (held) release(held.socket, held.stream, held.shared);
    held = null;
    current.value = null;
  };

  watch(
    () => [toValue(socket), toValue(stream)] as const,
    ([s, k]) => {
      if (held && held.socket === s && held.stream === k) return;
      stopHolding();
      if (!s || !k) return;
      const shared = acquire(s, k);
      held = { socket: s, stream: k, shared };
      current.value = shared;
    },
    { immediate: true },
  );
  onScopeDispose(stopHolding);

  return {
    state: computed(() => current.value?.state.value as StateOf<K> | undefined),
    version: computed(() => current.value?.version.value ?? 0),
    stale: computed(() => current.value?.stale.value ?? false),
    error: computed(() => current.value?.error.value ?? null),
    serverNow: () => Date.now() + (current.value?.client.clockOffsetMs ?? 0),
  };
}

/** A ref with the server's time (ms epoch), refreshed a few times a second. */
export function useServerClock(serverNow: () => number, everyMs = 250): Readonly<Ref<number>> {
  const now = ref(serverNow());
  const timer = setInterval(() => {
    now.value = serverNow();
  }, everyMs);
  onScopeDispose(() => clearInterval(timer));
  return now;
}
