// Lots and bids through the real API: a lot created by the agent in room K01,
// certificates registered by each bidder, sealed bids uploaded with PUT.
import { createReadStream, statSync } from "node:fs";
import { Readable } from "node:stream";
import type { ProjectView } from "@contracts/opening";
import type { RoomSummary } from "@contracts/rooms";
import type { HallClient } from "./client";

export interface Receipt {
  status: number;
  ok: boolean;
  sha256?: string;
  bidId?: string;
  error?: string;
}

export async function roomId(client: HallClient, token: string, code = "K01"): Promise<string> {
  const res = await client.api<RoomSummary[]>("GET", "/api/rooms", { token });
  if (!res.body.ok) throw new Error(`rooms: ${res.body.error.code}`);
  const room = res.body.data.find((r) => r.code === code);
  if (!room) throw new Error(`no room ${code}`);
  return room.id;
}

/** A project with one lot in `room`, deadline and opening in an hour (moved into the past later). */
export async function createLot(client: HallClient, agentToken: string, room: string, lot: Record<string, unknown> = {}): Promise<ProjectView> {
  const code = `B${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
  const hour = new Date(Date.now() + 3_600_000).toISOString();
  const res = await client.api<ProjectView>("POST", "/api/projects", {
    token: agentToken,
    body: {
      code,
      name: "基准测试 滨江大道道路改造工程",
      category: "engineering",
      procedure: "open",
      ownerName: "演示县交通运输局",
      lots: [
        {
          code: `${code}-01`,
          name: "第一标段",
          budgetFen: 1_000_000_000,
          controlPriceFen: 980_000_000,
          bidDeadline: hour,
          openingTime: hour,
          roomId: room,
          evaluationMethod: "comprehensive",
          draw: { kind: "none" },
          ...lot,
        },
      ],
    },
  });
  if (!res.body.ok) throw new Error(`createLot: ${JSON.stringify(res.body)}`);
  return res.body.data;
}

export async function registerCertificate(client: HallClient, token: string, companyId: string, certPem: string): Promise<void> {
  const res = await client.api("POST", `/api/companies/${companyId}/certificates`, { token, body: { certificate: certPem } });
  if (!res.body.ok) throw new Error(`certificate for ${companyId}: ${JSON.stringify(res.body)}`);
}

async function receipt(res: Response): Promise<Receipt> {
  const body = (await res.json()) as { ok: boolean; data?: { receipt: { bidId: string; sha256: string } }; error?: { code: string; message: string } };
  return body.ok
    ? { status: res.status, ok: true, sha256: body.data!.receipt.sha256, bidId: body.data!.receipt.bidId }
    : { status: res.status, ok: false, error: `${body.error?.code}: ${body.error?.message}` };
}

/** PUT /api/lots/:lotId/bid with the bytes in memory (small bids). */
export async function uploadBytes(client: HallClient, token: string, lotId: string, bytes: Uint8Array): Promise<Receipt> {
  const res = await fetch(`${client.url}/api/lots/${lotId}/bid`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
    body: bytes,
  });
  return receipt(res);
}

/** PUT /api/lots/:lotId/bid streamed from a file (fetch with a ReadableStream body, duplex "half"). */
export async function uploadFile(client: HallClient, token: string, lotId: string, file: string): Promise<Receipt> {
  const size = statSync(file).size;
  const body = Readable.toWeb(createReadStream(file, { highWaterMark: 1 << 20 })) as ReadableStream<Uint8Array>;
  const init: RequestInit & { duplex: "half" } = {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream", "content-length": String(size) },
    body,
    duplex: "half",
  };
  return receipt(await fetch(`${client.url}/api/lots/${lotId}/bid`, init));
}
