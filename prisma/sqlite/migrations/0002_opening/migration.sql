-- CreateTable
CREATE TABLE "Project" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "procedure" TEXT NOT NULL,
    "ownerName" TEXT NOT NULL,
    "agentUserId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Lot" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "projectId" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "budgetFen" BIGINT,
    "controlPriceFen" BIGINT,
    "bidDeadline" DATETIME NOT NULL,
    "openingTime" DATETIME NOT NULL,
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
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Lot_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Certificate" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "companyId" TEXT NOT NULL,
    "pem" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "issuer" TEXT NOT NULL,
    "serialHex" TEXT NOT NULL,
    "notBefore" DATETIME NOT NULL,
    "notAfter" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Bid" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "lotId" TEXT NOT NULL,
    "companyId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "filePath" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,
    "sizeBytes" BIGINT NOT NULL,
    "submittedAt" DATETIME NOT NULL,
    "receipt" TEXT NOT NULL,
    "signature" TEXT NOT NULL,
    "decryptedAt" DATETIME,
    "decryptTries" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "summary" TEXT,
    "plainSha256" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Bid_lotId_fkey" FOREIGN KEY ("lotId") REFERENCES "Lot" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "OpeningSession" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "lotId" TEXT NOT NULL,
    "stage" TEXT NOT NULL,
    "openedAt" DATETIME NOT NULL,
    "openedBy" TEXT NOT NULL,
    "decryptEndsAt" DATETIME,
    "confirmEndsAt" DATETIME,
    "drawSeedHash" TEXT,
    "drawSeed" TEXT,
    "drawSealed" TEXT,
    "drawResult" TEXT,
    "closedAt" DATETIME,
    "recordSha256" TEXT,
    CONSTRAINT "OpeningSession_lotId_fkey" FOREIGN KEY ("lotId") REFERENCES "Lot" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "SignIn" (
    "sessionId" TEXT NOT NULL,
    "companyId" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "at" DATETIME NOT NULL,

    PRIMARY KEY ("sessionId", "companyId"),
    CONSTRAINT "SignIn_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "OpeningSession" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Confirmation" (
    "sessionId" TEXT NOT NULL,
    "companyId" TEXT NOT NULL,
    "decision" TEXT NOT NULL,
    "userId" TEXT,
    "at" DATETIME NOT NULL,

    PRIMARY KEY ("sessionId", "companyId"),
    CONSTRAINT "Confirmation_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "OpeningSession" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Objection" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sessionId" TEXT NOT NULL,
    "companyId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "at" DATETIME NOT NULL,
    "answer" TEXT,
    "answeredBy" TEXT,
    "answeredAt" DATETIME,
    CONSTRAINT "Objection_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "OpeningSession" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "DrawPick" (
    "sessionId" TEXT NOT NULL,
    "companyId" TEXT NOT NULL,
    "picks" TEXT NOT NULL,
    "at" DATETIME NOT NULL,

    PRIMARY KEY ("sessionId", "companyId"),
    CONSTRAINT "DrawPick_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "OpeningSession" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "EscrowShare" (
    "lotId" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "supervisorId" TEXT NOT NULL,
    "sealedShare" TEXT,
    "collectedAt" DATETIME,

    PRIMARY KEY ("lotId", "index"),
    CONSTRAINT "EscrowShare_lotId_fkey" FOREIGN KEY ("lotId") REFERENCES "Lot" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

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

