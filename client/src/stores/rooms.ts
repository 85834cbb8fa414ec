// The center's rooms (GET /api/rooms), shared by the header, admin and agent pages.
import { defineStore } from "pinia";
import { ref } from "vue";
import type { ErrorBody } from "@contracts/common";
import type { RoomSummary } from "@contracts/rooms";
import { api } from "@/api/http";

export const useRoomsStore = defineStore("rooms", () => {
  const rooms = ref<RoomSummary[]>([]);
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref<ErrorBody | null>(null);
  let inFlight: Promise<void> | null = null;

  function load(force = false): Promise<void> {
    if (inFlight) return inFlight;
    if (loaded.value && !force) return Promise.resolve();
    loading.value = true;
    inFlight = api("listRooms")
      .then((res) => {
        if (res.ok) {
          rooms.value = res.data;
          loaded.value = true;
          error.value = null;
        } else {
          error.value = res.error;
        }
      })
      .finally(() => {
        loading.value = false;
        inFlight = null;
      });
    return inFlight;
  }

  /** Keeps the list in step after a successful change. */
  function setNotice(roomId: string, notice: string) {
    const r = rooms.value.find((x) => x.id === roomId);
    if (r) r.notice = notice;
  }

  function reset() {
    rooms.value = [];
    loaded.value = false;
    error.value = null;
  }

  return { rooms, loaded, loading, error, load, setNotice, reset };
});
