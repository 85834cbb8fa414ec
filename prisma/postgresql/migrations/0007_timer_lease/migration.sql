-- CreateTable
CREATE TABLE "TimerLease" (
    "name" TEXT NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "claimedBy" TEXT,
    "claimedUntil" TIMESTAMP(3),
    "firedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TimerLease_pkey" PRIMARY KEY ("name")
);

-- CreateIndex
CREATE INDEX "TimerLease_dueAt_idx" ON "TimerLease"("dueAt");

