-- AlterTable
ALTER TABLE "Bid" ADD COLUMN     "escrowOpenedAt" TIMESTAMP(3),
ADD COLUMN     "escrowRecipient" BOOLEAN,
ADD COLUMN     "escrowSupervisors" TEXT,
ADD COLUMN     "platformFaultAt" TIMESTAMP(3),
ADD COLUMN     "platformFaultBy" TEXT,
ADD COLUMN     "platformFaultReason" TEXT;

-- CreateTable
CREATE TABLE "OpeningSupplement" (
    "id" TEXT NOT NULL,
    "lotId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "issuedBy" TEXT NOT NULL,
    "issuedAt" TIMESTAMP(3) NOT NULL,
    "recordSha256" TEXT NOT NULL,
    "sha256" TEXT NOT NULL,

    CONSTRAINT "OpeningSupplement_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "OpeningSupplement_lotId_seq_key" ON "OpeningSupplement"("lotId", "seq");

