-- CreateTable
CREATE TABLE "StatsDeal" (
    "id" TEXT NOT NULL PRIMARY KEY,
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
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "StatsCategoryRule" (
    "category" TEXT NOT NULL PRIMARY KEY,
    "budget" TEXT NOT NULL,
    "reference" TEXT NOT NULL,
    "referenceName" TEXT NOT NULL,
    "updatedBy" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "StatsDeal_code_key" ON "StatsDeal"("code");

-- CreateIndex
CREATE UNIQUE INDEX "StatsDeal_lotId_key" ON "StatsDeal"("lotId");

-- CreateIndex
CREATE INDEX "StatsDeal_category_dealMonth_dealDay_dealFen_budgetFen_referenceFen_remoteEvaluation_idx" ON "StatsDeal"("category", "dealMonth", "dealDay", "dealFen", "budgetFen", "referenceFen", "remoteEvaluation");

-- CreateIndex
CREATE INDEX "StatsDeal_dealDay_idx" ON "StatsDeal"("dealDay");

-- CreateIndex
CREATE INDEX "StatsDeal_projectId_idx" ON "StatsDeal"("projectId");

