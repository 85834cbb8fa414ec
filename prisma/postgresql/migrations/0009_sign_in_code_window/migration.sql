-- AlterTable
ALTER TABLE "ExpertPick" ADD COLUMN     "otpSends" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "otpWindowAt" TIMESTAMP(3);

