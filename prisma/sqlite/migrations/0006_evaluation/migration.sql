-- CreateTable
CREATE TABLE "EvalSession" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "lotId" TEXT NOT NULL,
    "drawId" TEXT NOT NULL,
    "template" TEXT NOT NULL,
    "step" TEXT NOT NULL DEFAULT 'signin',
    "status" TEXT NOT NULL DEFAULT 'running',
    "chairMemberId" TEXT,
    "chairRound" INTEGER NOT NULL DEFAULT 1,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "beganAt" DATETIME,
    "closedAt" DATETIME,
    "sealedAt" DATETIME,
    "sealReason" TEXT,
    "pausedAt" DATETIME,
    "qualification" TEXT,
    "priceScores" TEXT,
    "result" TEXT,
    "candidates" TEXT,
    "reportSha256" TEXT,
    "reportMadeAt" DATETIME,
    "platformSignedAt" DATETIME,
    "createdBy" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "EvalSite" (
    "sessionId" TEXT NOT NULL,
    "roomId" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "link" TEXT NOT NULL DEFAULT 'up',
    "linkChangedAt" DATETIME,
    "faultKind" TEXT,
    "faultSince" DATETIME,
    "faultEndsAt" DATETIME,

    PRIMARY KEY ("sessionId", "roomId")
);

-- CreateTable
CREATE TABLE "EvalMember" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sessionId" TEXT NOT NULL,
    "pickId" TEXT NOT NULL,
    "expertId" INTEGER NOT NULL,
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

-- CreateTable
CREATE TABLE "EvalVote" (
    "sessionId" TEXT NOT NULL,
    "round" INTEGER NOT NULL,
    "voterId" TEXT NOT NULL,
    "candidateId" TEXT NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("sessionId", "round", "voterId")
);

-- CreateTable
CREATE TABLE "EvalConflict" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sessionId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "companyId" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "EvalDraft" (
    "memberId" TEXT NOT NULL,
    "step" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "sheet" TEXT NOT NULL,
    "clientSeq" INTEGER NOT NULL,
    "savedAt" DATETIME NOT NULL,

    PRIMARY KEY ("memberId", "step")
);

-- CreateTable
CREATE TABLE "EvalSubmission" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sessionId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "step" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "payloadSha256" TEXT NOT NULL,
    "sheet" TEXT NOT NULL,
    "outlierReasons" TEXT NOT NULL DEFAULT '[]',
    "submittedAt" DATETIME NOT NULL,
    "supersededAt" DATETIME
);

-- CreateTable
CREATE TABLE "EvalRequest" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sessionId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "memberId" TEXT,
    "step" TEXT,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "requestedBy" TEXT NOT NULL,
    "requestedAt" DATETIME NOT NULL,
    "decidedBy" TEXT,
    "decidedAt" DATETIME,
    "note" TEXT NOT NULL DEFAULT ''
);

-- CreateTable
CREATE TABLE "EvalClarification" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sessionId" TEXT NOT NULL,
    "companyId" TEXT NOT NULL,
    "question" TEXT NOT NULL,
    "askedBy" TEXT NOT NULL,
    "askedAt" DATETIME NOT NULL,
    "answerBy" DATETIME NOT NULL,
    "answer" TEXT,
    "answeredAt" DATETIME
);

-- CreateTable
CREATE TABLE "EvalDissent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sessionId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "at" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "EvalSignPrep" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sessionId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "baseSha256" TEXT NOT NULL,
    "fieldName" TEXT NOT NULL,
    "prepared" BLOB NOT NULL,
    "signedAttrs" BLOB NOT NULL,
    "createdAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "EvalSession_lotId_idx" ON "EvalSession"("lotId");

-- CreateIndex
CREATE INDEX "EvalSession_status_idx" ON "EvalSession"("status");

-- CreateIndex
CREATE UNIQUE INDEX "EvalMember_sessionId_pickId_key" ON "EvalMember"("sessionId", "pickId");

-- CreateIndex
CREATE UNIQUE INDEX "EvalMember_sessionId_seat_key" ON "EvalMember"("sessionId", "seat");

-- CreateIndex
CREATE INDEX "EvalConflict_sessionId_idx" ON "EvalConflict"("sessionId");

-- CreateIndex
CREATE UNIQUE INDEX "EvalSubmission_memberId_step_version_key" ON "EvalSubmission"("memberId", "step", "version");

-- CreateIndex
CREATE UNIQUE INDEX "EvalSubmission_sessionId_idempotencyKey_key" ON "EvalSubmission"("sessionId", "idempotencyKey");

-- CreateIndex
CREATE INDEX "EvalRequest_sessionId_idx" ON "EvalRequest"("sessionId");

-- CreateIndex
CREATE INDEX "EvalClarification_sessionId_idx" ON "EvalClarification"("sessionId");

-- CreateIndex
CREATE INDEX "EvalDissent_sessionId_idx" ON "EvalDissent"("sessionId");

