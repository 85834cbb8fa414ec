-- CreateTable
CREATE TABLE "EvalOwnerRep" (
    "memberId" TEXT NOT NULL PRIMARY KEY,
    "sessionId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "idHash" TEXT NOT NULL,
    "idCipher" TEXT NOT NULL,
    "idMasked" TEXT NOT NULL,
    "mobileCipher" TEXT NOT NULL,
    "employer" TEXT NOT NULL,
    "otpHash" TEXT,
    "otpExpiresAt" DATETIME,
    "otpTries" INTEGER NOT NULL DEFAULT 0,
    "otpSentAt" DATETIME,
    "signedInAt" DATETIME,
    "signedInDevice" TEXT
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_EvalMember" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sessionId" TEXT NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'expert',
    "pickId" TEXT,
    "expertId" INTEGER,
    "roomId" TEXT NOT NULL,
    "seat" INTEGER NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'waiting',
    "replacesId" TEXT,
    "pledgedAt" DATETIME,
    "declaredAt" DATETIME,
    "certPem" TEXT,
    "certSha256" TEXT,
    "signature" TEXT NOT NULL DEFAULT 'pending',
    "signedAt" DATETIME,
    "refuseReason" TEXT
);
INSERT INTO "new_EvalMember" ("certPem", "certSha256", "declaredAt", "expertId", "id", "pickId", "pledgedAt", "refuseReason", "replacesId", "roomId", "seat", "sessionId", "signature", "signedAt", "state") SELECT "certPem", "certSha256", "declaredAt", "expertId", "id", "pickId", "pledgedAt", "refuseReason", "replacesId", "roomId", "seat", "sessionId", "signature", "signedAt", "state" FROM "EvalMember";
DROP TABLE "EvalMember";
ALTER TABLE "new_EvalMember" RENAME TO "EvalMember";
CREATE UNIQUE INDEX "EvalMember_sessionId_pickId_key" ON "EvalMember"("sessionId", "pickId");
CREATE UNIQUE INDEX "EvalMember_sessionId_seat_key" ON "EvalMember"("sessionId", "seat");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "EvalOwnerRep_idHash_idx" ON "EvalOwnerRep"("idHash");

-- CreateIndex
CREATE UNIQUE INDEX "EvalOwnerRep_sessionId_idHash_key" ON "EvalOwnerRep"("sessionId", "idHash");


-- AlterTable (appended: no rebuild of Lot)
ALTER TABLE "Lot" ADD COLUMN "ownerRepresentatives" INTEGER NOT NULL DEFAULT 0;
