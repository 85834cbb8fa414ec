-- AlterTable
ALTER TABLE "ExpertPick" ADD COLUMN     "answerTries" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "NotificationOutbox" (
    "id" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "expertId" INTEGER,
    "recipientName" TEXT NOT NULL,
    "toMasked" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "link" TEXT,
    "code" TEXT,
    "drawId" TEXT,
    "pickId" TEXT,
    "projectCode" TEXT,
    "status" TEXT NOT NULL,
    "error" TEXT,

    CONSTRAINT "NotificationOutbox_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "NotificationOutbox_at_idx" ON "NotificationOutbox"("at");

