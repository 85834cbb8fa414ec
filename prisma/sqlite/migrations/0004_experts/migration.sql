-- CreateTable
CREATE TABLE "ExpertSpecialty" (
    "code" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "parentCode" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "ExpertPoolState" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "generation" INTEGER NOT NULL,
    "busyK" INTEGER NOT NULL DEFAULT 0,
    "busyDays" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ExpertBusy" (
    "expertId" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "until" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Expert" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "idCipher" TEXT NOT NULL,
    "idHash" TEXT NOT NULL,
    "idMasked" TEXT NOT NULL,
    "mobileCipher" TEXT NOT NULL,
    "mobileMasked" TEXT NOT NULL,
    "regionCode" TEXT NOT NULL,
    "regionName" TEXT NOT NULL DEFAULT '',
    "employerName" TEXT NOT NULL,
    "employerCreditCode" TEXT NOT NULL,
    "title" TEXT NOT NULL DEFAULT '',
    "status" TEXT NOT NULL,
    "statusReason" TEXT NOT NULL DEFAULT '',
    "importId" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ExpertSpecialtyLink" (
    "expertId" INTEGER NOT NULL,
    "specialtyCode" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "region" INTEGER NOT NULL,

    PRIMARY KEY ("expertId", "specialtyCode")
);

-- CreateTable
CREATE TABLE "ExpertLeave" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "expertId" INTEGER NOT NULL,
    "startsAt" DATETIME NOT NULL,
    "endsAt" DATETIME NOT NULL,
    "reason" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "ExpertRelation" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "expertId" INTEGER NOT NULL,
    "creditCode" TEXT NOT NULL,
    "companyName" TEXT NOT NULL DEFAULT '',
    "relation" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "ExpertDraw" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "projectId" TEXT NOT NULL,
    "lotId" TEXT,
    "requestedBy" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "evaluationAt" DATETIME NOT NULL,
    "request" TEXT NOT NULL,
    "committee" TEXT NOT NULL,
    "answerMinutes" INTEGER NOT NULL,
    "poolGeneration" INTEGER NOT NULL,
    "seedHash" TEXT NOT NULL,
    "seedSealed" TEXT,
    "seed" TEXT,
    "committedAt" DATETIME NOT NULL,
    "drawnAt" DATETIME,
    "cancelledAt" DATETIME,
    "cancelReason" TEXT
);

-- CreateTable
CREATE TABLE "ExpertDrawBucket" (
    "drawId" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "siteIndex" INTEGER NOT NULL,
    "roomId" TEXT NOT NULL,
    "siteRole" TEXT NOT NULL,
    "regionPrefix" TEXT NOT NULL DEFAULT '',
    "specialtyCode" TEXT NOT NULL,
    "need" INTEGER NOT NULL,
    "backups" INTEGER NOT NULL,
    "candidates" INTEGER NOT NULL,
    "eligible" INTEGER NOT NULL,
    "listDigest" TEXT NOT NULL,
    "list" BLOB NOT NULL,
    "excluded" TEXT NOT NULL,

    PRIMARY KEY ("drawId", "index")
);

-- CreateTable
CREATE TABLE "ExpertDrawExclusion" (
    "drawId" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "detail" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "expertIds" BLOB NOT NULL,

    PRIMARY KEY ("drawId", "reason", "detail")
);

-- CreateTable
CREATE TABLE "ExpertPick" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "drawId" TEXT NOT NULL,
    "bucketIndex" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "expertId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "replacesId" TEXT,
    "tokenHash" TEXT,
    "pickedAt" DATETIME NOT NULL,
    "notifiedAt" DATETIME,
    "notifyError" TEXT,
    "answerBy" DATETIME,
    "answeredAt" DATETIME,
    "answerVia" TEXT,
    "declineReason" TEXT,
    "otpHash" TEXT,
    "otpExpiresAt" DATETIME,
    "otpTries" INTEGER NOT NULL DEFAULT 0,
    "signedInAt" DATETIME,
    "signedInDevice" TEXT
);

-- CreateIndex
CREATE INDEX "ExpertSpecialty_parentCode_idx" ON "ExpertSpecialty"("parentCode");

-- CreateIndex
CREATE INDEX "ExpertBusy_until_idx" ON "ExpertBusy"("until");

-- CreateIndex
CREATE UNIQUE INDEX "Expert_idHash_key" ON "Expert"("idHash");

-- CreateIndex
CREATE INDEX "Expert_employerCreditCode_idx" ON "Expert"("employerCreditCode");

-- CreateIndex
CREATE INDEX "Expert_employerName_idx" ON "Expert"("employerName");

-- CreateIndex
CREATE INDEX "Expert_status_idx" ON "Expert"("status");

-- CreateIndex
CREATE INDEX "Expert_regionCode_idx" ON "Expert"("regionCode");

-- CreateIndex
CREATE INDEX "Expert_importId_idx" ON "Expert"("importId");

-- CreateIndex
CREATE INDEX "ExpertSpecialtyLink_specialtyCode_expertId_status_region_idx" ON "ExpertSpecialtyLink"("specialtyCode", "expertId", "status", "region");

-- CreateIndex
CREATE INDEX "ExpertLeave_expertId_idx" ON "ExpertLeave"("expertId");

-- CreateIndex
CREATE INDEX "ExpertLeave_endsAt_idx" ON "ExpertLeave"("endsAt");

-- CreateIndex
CREATE INDEX "ExpertRelation_expertId_idx" ON "ExpertRelation"("expertId");

-- CreateIndex
CREATE INDEX "ExpertRelation_creditCode_idx" ON "ExpertRelation"("creditCode");

-- CreateIndex
CREATE INDEX "ExpertDraw_projectId_idx" ON "ExpertDraw"("projectId");

-- CreateIndex
CREATE INDEX "ExpertDraw_status_idx" ON "ExpertDraw"("status");

-- CreateIndex
CREATE INDEX "ExpertDraw_evaluationAt_idx" ON "ExpertDraw"("evaluationAt");

-- CreateIndex
CREATE UNIQUE INDEX "ExpertPick_tokenHash_key" ON "ExpertPick"("tokenHash");

-- CreateIndex
CREATE INDEX "ExpertPick_expertId_pickedAt_idx" ON "ExpertPick"("expertId", "pickedAt");

-- CreateIndex
CREATE INDEX "ExpertPick_pickedAt_state_expertId_idx" ON "ExpertPick"("pickedAt", "state", "expertId");

-- CreateIndex
CREATE INDEX "ExpertPick_state_idx" ON "ExpertPick"("state");

-- CreateIndex
CREATE UNIQUE INDEX "ExpertPick_drawId_seq_key" ON "ExpertPick"("drawId", "seq");

