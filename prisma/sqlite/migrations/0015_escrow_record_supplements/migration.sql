-- AlterTable
ALTER TABLE "Bid" ADD COLUMN "escrowOpenedAt" DATETIME;
ALTER TABLE "Bid" ADD COLUMN "escrowRecipient" BOOLEAN;
ALTER TABLE "Bid" ADD COLUMN "escrowSupervisors" TEXT;
ALTER TABLE "Bid" ADD COLUMN "platformFaultAt" DATETIME;
ALTER TABLE "Bid" ADD COLUMN "platformFaultBy" TEXT;
ALTER TABLE "Bid" ADD COLUMN "platformFaultReason" TEXT;

-- CreateTable
CREATE TABLE "OpeningSupplement" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "lotId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "issuedBy" TEXT NOT NULL,
    "issuedAt" DATETIME NOT NULL,
    "recordSha256" TEXT NOT NULL,
    "sha256" TEXT NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "OpeningSupplement_lotId_seq_key" ON "OpeningSupplement"("lotId", "seq");

