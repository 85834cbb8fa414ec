-- AlterTable
ALTER TABLE "EvalMember" ADD COLUMN     "kind" TEXT NOT NULL DEFAULT 'expert',
ALTER COLUMN "pickId" DROP NOT NULL,
ALTER COLUMN "expertId" DROP NOT NULL;

-- AlterTable
ALTER TABLE "Lot" ADD COLUMN     "ownerRepresentatives" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "EvalOwnerRep" (
    "memberId" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "idHash" TEXT NOT NULL,
    "idCipher" TEXT NOT NULL,
    "idMasked" TEXT NOT NULL,
    "mobileCipher" TEXT NOT NULL,
    "employer" TEXT NOT NULL,
    "otpHash" TEXT,
    "otpExpiresAt" TIMESTAMP(3),
    "otpTries" INTEGER NOT NULL DEFAULT 0,
    "otpSentAt" TIMESTAMP(3),
    "signedInAt" TIMESTAMP(3),
    "signedInDevice" TEXT,

    CONSTRAINT "EvalOwnerRep_pkey" PRIMARY KEY ("memberId")
);

-- CreateIndex
CREATE INDEX "EvalOwnerRep_idHash_idx" ON "EvalOwnerRep"("idHash");

-- CreateIndex
CREATE UNIQUE INDEX "EvalOwnerRep_sessionId_idHash_key" ON "EvalOwnerRep"("sessionId", "idHash");

