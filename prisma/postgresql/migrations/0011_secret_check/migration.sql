-- CreateTable
CREATE TABLE "SecretCheck" (
    "id" INTEGER NOT NULL,
    "mac" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SecretCheck_pkey" PRIMARY KEY ("id")
);

