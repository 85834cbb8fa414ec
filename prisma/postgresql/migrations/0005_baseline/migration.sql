-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "Center" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "city" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Center_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Room" (
    "id" TEXT NOT NULL,
    "centerId" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "city" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "notice" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "Room_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Device" (
    "id" TEXT NOT NULL,
    "roomId" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "keyHash" TEXT NOT NULL,
    "revokedAt" TIMESTAMP(3),
    "lastSeenAt" TIMESTAMP(3),
    "viewOverride" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Device_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Company" (
    "id" TEXT NOT NULL,
    "centerId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "creditCode" TEXT NOT NULL,
    "contact" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Company_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "User" (
    "id" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "companyId" TEXT,
    "disabledAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuthToken" (
    "id" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "AuthToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "seq" INTEGER NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "actorKind" TEXT NOT NULL,
    "actorId" TEXT NOT NULL,
    "actorRole" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "payloadDigest" TEXT NOT NULL,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "LiveStream" (
    "key" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "state" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LiveStream_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "LiveUpdate" (
    "key" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "patch" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LiveUpdate_pkey" PRIMARY KEY ("key","version")
);

-- CreateTable
CREATE TABLE "ExpertSpecialty" (
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "parentCode" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ExpertSpecialty_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "ExpertPoolState" (
    "id" INTEGER NOT NULL,
    "generation" INTEGER NOT NULL,
    "busyK" INTEGER NOT NULL DEFAULT 0,
    "busyDays" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ExpertPoolState_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ExpertBusy" (
    "expertId" INTEGER NOT NULL,
    "until" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ExpertBusy_pkey" PRIMARY KEY ("expertId")
);

-- CreateTable
CREATE TABLE "Expert" (
    "id" SERIAL NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Expert_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ExpertSpecialtyLink" (
    "expertId" INTEGER NOT NULL,
    "specialtyCode" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "region" INTEGER NOT NULL,

    CONSTRAINT "ExpertSpecialtyLink_pkey" PRIMARY KEY ("expertId","specialtyCode")
);

-- CreateTable
CREATE TABLE "ExpertLeave" (
    "id" TEXT NOT NULL,
    "expertId" INTEGER NOT NULL,
    "startsAt" TIMESTAMP(3) NOT NULL,
    "endsAt" TIMESTAMP(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ExpertLeave_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ExpertRelation" (
    "id" TEXT NOT NULL,
    "expertId" INTEGER NOT NULL,
    "creditCode" TEXT NOT NULL,
    "companyName" TEXT NOT NULL DEFAULT '',
    "relation" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ExpertRelation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ExpertDraw" (
    "id" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "lotId" TEXT,
    "requestedBy" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "evaluationAt" TIMESTAMP(3) NOT NULL,
    "request" TEXT NOT NULL,
    "committee" TEXT NOT NULL,
    "answerMinutes" INTEGER NOT NULL,
    "poolGeneration" INTEGER NOT NULL,
    "seedHash" TEXT NOT NULL,
    "seedSealed" TEXT,
    "seed" TEXT,
    "committedAt" TIMESTAMP(3) NOT NULL,
    "drawnAt" TIMESTAMP(3),
    "cancelledAt" TIMESTAMP(3),
    "cancelReason" TEXT,

    CONSTRAINT "ExpertDraw_pkey" PRIMARY KEY ("id")
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
    "list" BYTEA NOT NULL,
    "excluded" TEXT NOT NULL,

    CONSTRAINT "ExpertDrawBucket_pkey" PRIMARY KEY ("drawId","index")
);

-- CreateTable
CREATE TABLE "ExpertDrawExclusion" (
    "drawId" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "detail" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "expertIds" BYTEA NOT NULL,

    CONSTRAINT "ExpertDrawExclusion_pkey" PRIMARY KEY ("drawId","reason","detail")
);

-- CreateTable
CREATE TABLE "ExpertPick" (
    "id" TEXT NOT NULL,
    "drawId" TEXT NOT NULL,
    "bucketIndex" INTEGER NOT NULL,
    "seq" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "expertId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "replacesId" TEXT,
    "tokenHash" TEXT,
    "pickedAt" TIMESTAMP(3) NOT NULL,
    "notifiedAt" TIMESTAMP(3),
    "notifyError" TEXT,
    "answerBy" TIMESTAMP(3),
    "answeredAt" TIMESTAMP(3),
    "answerVia" TEXT,
    "declineReason" TEXT,
    "otpHash" TEXT,
    "otpExpiresAt" TIMESTAMP(3),
    "otpTries" INTEGER NOT NULL DEFAULT 0,
    "signedInAt" TIMESTAMP(3),
    "signedInDevice" TEXT,

    CONSTRAINT "ExpertPick_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Project" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "procedure" TEXT NOT NULL,
    "ownerName" TEXT NOT NULL,
    "agentUserId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Project_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Lot" (
    "id" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "budgetFen" BIGINT,
    "controlPriceFen" BIGINT,
    "bidDeadline" TIMESTAMP(3) NOT NULL,
    "openingTime" TIMESTAMP(3) NOT NULL,
    "roomId" TEXT NOT NULL,
    "decryptWindowMinutes" INTEGER NOT NULL,
    "confirmMinutes" INTEGER NOT NULL,
    "evaluationMethod" TEXT NOT NULL,
    "evaluationParams" TEXT NOT NULL DEFAULT '{}',
    "drawKind" TEXT NOT NULL DEFAULT 'none',
    "drawParams" TEXT NOT NULL DEFAULT '{}',
    "bidFields" TEXT NOT NULL DEFAULT '[]',
    "maxBidBytes" BIGINT NOT NULL,
    "escrowCertPem" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'accepting',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Lot_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Certificate" (
    "id" TEXT NOT NULL,
    "companyId" TEXT NOT NULL,
    "pem" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "issuer" TEXT NOT NULL,
    "serialHex" TEXT NOT NULL,
    "notBefore" TIMESTAMP(3) NOT NULL,
    "notAfter" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Certificate_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Bid" (
    "id" TEXT NOT NULL,
    "lotId" TEXT NOT NULL,
    "companyId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "filePath" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "sizeBytes" BIGINT NOT NULL,
    "submittedAt" TIMESTAMP(3) NOT NULL,
    "receipt" TEXT NOT NULL,
    "signature" TEXT NOT NULL,
    "decryptedAt" TIMESTAMP(3),
    "decryptTries" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "summary" TEXT,
    "plainSha256" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Bid_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OpeningSession" (
    "id" TEXT NOT NULL,
    "lotId" TEXT NOT NULL,
    "stage" TEXT NOT NULL,
    "openedAt" TIMESTAMP(3) NOT NULL,
    "openedBy" TEXT NOT NULL,
    "decryptEndsAt" TIMESTAMP(3),
    "confirmEndsAt" TIMESTAMP(3),
    "drawSeedHash" TEXT,
    "drawSeed" TEXT,
    "drawSealed" TEXT,
    "drawResult" TEXT,
    "closedAt" TIMESTAMP(3),
    "recordSha256" TEXT,

    CONSTRAINT "OpeningSession_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SignIn" (
    "sessionId" TEXT NOT NULL,
    "companyId" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SignIn_pkey" PRIMARY KEY ("sessionId","companyId")
);

-- CreateTable
CREATE TABLE "Confirmation" (
    "sessionId" TEXT NOT NULL,
    "companyId" TEXT NOT NULL,
    "decision" TEXT NOT NULL,
    "userId" TEXT,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Confirmation_pkey" PRIMARY KEY ("sessionId","companyId")
);

-- CreateTable
CREATE TABLE "Objection" (
    "id" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "companyId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "answer" TEXT,
    "answeredBy" TEXT,
    "answeredAt" TIMESTAMP(3),

    CONSTRAINT "Objection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DrawPick" (
    "sessionId" TEXT NOT NULL,
    "companyId" TEXT NOT NULL,
    "picks" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DrawPick_pkey" PRIMARY KEY ("sessionId","companyId")
);

-- CreateTable
CREATE TABLE "EscrowShare" (
    "lotId" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "supervisorId" TEXT NOT NULL,
    "sealedShare" TEXT,
    "collectedAt" TIMESTAMP(3),

    CONSTRAINT "EscrowShare_pkey" PRIMARY KEY ("lotId","index")
);

-- CreateTable
CREATE TABLE "StatsDeal" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "budgetFen" BIGINT,
    "referenceFen" BIGINT,
    "dealFen" BIGINT NOT NULL,
    "dealDay" INTEGER NOT NULL,
    "dealMonth" INTEGER NOT NULL,
    "remoteEvaluation" BOOLEAN NOT NULL DEFAULT false,
    "hall" TEXT,
    "agent" TEXT,
    "source" TEXT NOT NULL,
    "lotId" TEXT,
    "projectId" TEXT,
    "winnerCompanyId" TEXT,
    "winnerName" TEXT,
    "bidId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "StatsDeal_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StatsCategoryRule" (
    "category" TEXT NOT NULL,
    "budget" TEXT NOT NULL,
    "reference" TEXT NOT NULL,
    "referenceName" TEXT NOT NULL,
    "updatedBy" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "StatsCategoryRule_pkey" PRIMARY KEY ("category")
);

-- CreateIndex
CREATE UNIQUE INDEX "Center_code_key" ON "Center"("code");

-- CreateIndex
CREATE UNIQUE INDEX "Room_code_key" ON "Room"("code");

-- CreateIndex
CREATE UNIQUE INDEX "Device_code_key" ON "Device"("code");

-- CreateIndex
CREATE UNIQUE INDEX "Device_keyHash_key" ON "Device"("keyHash");

-- CreateIndex
CREATE UNIQUE INDEX "Company_creditCode_key" ON "Company"("creditCode");

-- CreateIndex
CREATE UNIQUE INDEX "User_username_key" ON "User"("username");

-- CreateIndex
CREATE UNIQUE INDEX "AuthToken_tokenHash_key" ON "AuthToken"("tokenHash");

-- CreateIndex
CREATE INDEX "AuthToken_userId_idx" ON "AuthToken"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "AuditEvent_hash_key" ON "AuditEvent"("hash");

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

-- CreateIndex
CREATE UNIQUE INDEX "Project_code_key" ON "Project"("code");

-- CreateIndex
CREATE UNIQUE INDEX "Lot_code_key" ON "Lot"("code");

-- CreateIndex
CREATE UNIQUE INDEX "Certificate_sha256_key" ON "Certificate"("sha256");

-- CreateIndex
CREATE INDEX "Certificate_companyId_idx" ON "Certificate"("companyId");

-- CreateIndex
CREATE INDEX "Bid_lotId_companyId_idx" ON "Bid"("lotId", "companyId");

-- CreateIndex
CREATE UNIQUE INDEX "OpeningSession_lotId_key" ON "OpeningSession"("lotId");

-- CreateIndex
CREATE UNIQUE INDEX "StatsDeal_code_key" ON "StatsDeal"("code");

-- CreateIndex
CREATE UNIQUE INDEX "StatsDeal_lotId_key" ON "StatsDeal"("lotId");

-- CreateIndex
CREATE INDEX "StatsDeal_category_dealMonth_dealDay_dealFen_budgetFen_refe_idx" ON "StatsDeal"("category", "dealMonth", "dealDay", "dealFen", "budgetFen", "referenceFen", "remoteEvaluation");

-- CreateIndex
CREATE INDEX "StatsDeal_dealDay_idx" ON "StatsDeal"("dealDay");

-- CreateIndex
CREATE INDEX "StatsDeal_projectId_idx" ON "StatsDeal"("projectId");

-- AddForeignKey
ALTER TABLE "Room" ADD CONSTRAINT "Room_centerId_fkey" FOREIGN KEY ("centerId") REFERENCES "Center"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Device" ADD CONSTRAINT "Device_roomId_fkey" FOREIGN KEY ("roomId") REFERENCES "Room"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Company" ADD CONSTRAINT "Company_centerId_fkey" FOREIGN KEY ("centerId") REFERENCES "Center"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "User" ADD CONSTRAINT "User_companyId_fkey" FOREIGN KEY ("companyId") REFERENCES "Company"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuthToken" ADD CONSTRAINT "AuthToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Lot" ADD CONSTRAINT "Lot_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Bid" ADD CONSTRAINT "Bid_lotId_fkey" FOREIGN KEY ("lotId") REFERENCES "Lot"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OpeningSession" ADD CONSTRAINT "OpeningSession_lotId_fkey" FOREIGN KEY ("lotId") REFERENCES "Lot"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SignIn" ADD CONSTRAINT "SignIn_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "OpeningSession"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Confirmation" ADD CONSTRAINT "Confirmation_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "OpeningSession"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Objection" ADD CONSTRAINT "Objection_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "OpeningSession"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DrawPick" ADD CONSTRAINT "DrawPick_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "OpeningSession"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EscrowShare" ADD CONSTRAINT "EscrowShare_lotId_fkey" FOREIGN KEY ("lotId") REFERENCES "Lot"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

