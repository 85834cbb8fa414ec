-- CreateTable
CREATE TABLE "EvalSession" (
    "id" TEXT NOT NULL,
    "lotId" TEXT NOT NULL,
    "drawId" TEXT NOT NULL,
    "template" TEXT NOT NULL,
    "step" TEXT NOT NULL DEFAULT 'signin',
    "status" TEXT NOT NULL DEFAULT 'running',
    "chairMemberId" TEXT,
    "chairRound" INTEGER NOT NULL DEFAULT 1,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "beganAt" TIMESTAMP(3),
    "closedAt" TIMESTAMP(3),
    "sealedAt" TIMESTAMP(3),
    "sealReason" TEXT,
    "pausedAt" TIMESTAMP(3),
    "qualification" TEXT,
    "priceScores" TEXT,
    "result" TEXT,
    "candidates" TEXT,
    "reportSha256" TEXT,
    "reportMadeAt" TIMESTAMP(3),
    "platformSignedAt" TIMESTAMP(3),
    "createdBy" TEXT NOT NULL,

    CONSTRAINT "EvalSession_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvalSite" (
    "sessionId" TEXT NOT NULL,
    "roomId" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "link" TEXT NOT NULL DEFAULT 'up',
    "linkChangedAt" TIMESTAMP(3),
    "faultKind" TEXT,
    "faultSince" TIMESTAMP(3),
    "faultEndsAt" TIMESTAMP(3),

    CONSTRAINT "EvalSite_pkey" PRIMARY KEY ("sessionId","roomId")
);

-- CreateTable
CREATE TABLE "EvalMember" (
    "id" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "pickId" TEXT NOT NULL,
    "expertId" INTEGER NOT NULL,
    "roomId" TEXT NOT NULL,
    "seat" INTEGER NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'waiting',
    "replacesId" TEXT,
    "pledgedAt" TIMESTAMP(3),
    "declaredAt" TIMESTAMP(3),
    "certPem" TEXT,
    "certSha256" TEXT,
    "signature" TEXT NOT NULL DEFAULT 'pending',
    "signedAt" TIMESTAMP(3),
    "refuseReason" TEXT,

    CONSTRAINT "EvalMember_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvalVote" (
    "sessionId" TEXT NOT NULL,
    "round" INTEGER NOT NULL,
    "voterId" TEXT NOT NULL,
    "candidateId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EvalVote_pkey" PRIMARY KEY ("sessionId","round","voterId")
);

-- CreateTable
CREATE TABLE "EvalConflict" (
    "id" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "companyId" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EvalConflict_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvalDraft" (
    "memberId" TEXT NOT NULL,
    "step" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "sheet" TEXT NOT NULL,
    "clientSeq" INTEGER NOT NULL,
    "savedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "EvalDraft_pkey" PRIMARY KEY ("memberId","step")
);

-- CreateTable
CREATE TABLE "EvalSubmission" (
    "id" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "step" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "payloadSha256" TEXT NOT NULL,
    "sheet" TEXT NOT NULL,
    "outlierReasons" TEXT NOT NULL DEFAULT '[]',
    "submittedAt" TIMESTAMP(3) NOT NULL,
    "supersededAt" TIMESTAMP(3),

    CONSTRAINT "EvalSubmission_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvalRequest" (
    "id" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "memberId" TEXT,
    "step" TEXT,
    "state" TEXT NOT NULL DEFAULT 'pending',
    "requestedBy" TEXT NOT NULL,
    "requestedAt" TIMESTAMP(3) NOT NULL,
    "decidedBy" TEXT,
    "decidedAt" TIMESTAMP(3),
    "note" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "EvalRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvalClarification" (
    "id" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "companyId" TEXT NOT NULL,
    "question" TEXT NOT NULL,
    "askedBy" TEXT NOT NULL,
    "askedAt" TIMESTAMP(3) NOT NULL,
    "answerBy" TIMESTAMP(3) NOT NULL,
    "answer" TEXT,
    "answeredAt" TIMESTAMP(3),

    CONSTRAINT "EvalClarification_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvalDissent" (
    "id" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "EvalDissent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EvalSignPrep" (
    "id" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "baseSha256" TEXT NOT NULL,
    "fieldName" TEXT NOT NULL,
    "prepared" BYTEA NOT NULL,
    "signedAttrs" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "EvalSignPrep_pkey" PRIMARY KEY ("id")
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

