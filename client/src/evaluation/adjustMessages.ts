// Texts of the evaluated-price adjustments (评标价调整, 经评审的最低投标价法) at the
// expert terminal and on the result pages: `evaluation.adjust.*`, merged into the
// evaluation texts by messages.ts. Simplified Chinese first, English second.
// vue-i18n message syntax: `{name}` interpolates; avoid literal @ { } | $ in text.

const zh = {
  hint: "对通过资格审查的投标人，逐项录入评标价调整（金额以元计，保留两位小数）及理由：调增（+）如缺项漏项按规定补齐，调减（−）如算术错误修正。评标价 = 投标价 + 调整合计。没有调整的投标人无需录入。",
  bidPrice: "投标价",
  add: "添加调整项",
  remove: "删除",
  plus: "调增 +",
  minus: "调减 −",
  amount: "金额（元）",
  reason: "调整理由（必填）",
  none: "无调整",
  total: "调整合计",
  evaluated: "评标价",
  incomplete: "（有未填完的金额）",
  problem: {
    amount: "请输入有效金额（元，最多两位小数）",
    zero: "调整金额不能为 0",
    reason: "请填写调整理由（至少 2 个字）",
    overBid: "单项调整不得超过该投标人的投标价",
    notPositive: "调整后评标价必须大于 0",
  },
  confirmTitle: "提交评标价调整",
  confirm: "提交后不可自行修改（更正需经监督人员批准）。确认提交以下调整？",
  confirmNone: "本表未录入任何调整（各投标人评标价即投标价）。确认提交？",
  confirmOk: "确认提交",
  cancel: "返回修改",
  decisions: "评标委员会评标价调整结果",
  working: "汇总过程",
  items: "各成员调整项",
  noItems: "无成员调整",
  col: {
    adjustment: "调整金额（元）",
    evaluated: "评标价（元）",
    tieBreak: "并列处理",
  },
  tieBreak: {
    "lower-price": "较低投标价",
    "higher-technical": "技术得分较高",
    draw: "随机抽签",
  },
  seedHash: "抽签种子摘要（SHA-256，评标开始时已固定）",
  seed: "公开的抽签种子",
};

type Shape<T> = { [K in keyof T]: T[K] extends string ? string : Shape<T[K]> };

const en: Shape<typeof zh> = {
  hint: "For each bidder that passed the qualification review, enter the evaluated-price adjustments item by item (amount in yuan, two decimals) with a reason: raise (+) e.g. to price in a missing item, lower (−) e.g. to correct an arithmetic error. Evaluated price = bid price + total adjustment. Bidders without adjustments need no entry.",
  bidPrice: "Bid price",
  add: "Add an adjustment",
  remove: "Remove",
  plus: "Raise +",
  minus: "Lower −",
  amount: "Amount (yuan)",
  reason: "Reason (required)",
  none: "No adjustment",
  total: "Total adjustment",
  evaluated: "Evaluated price",
  incomplete: "(some amounts are unfinished)",
  problem: {
    amount: "Enter a valid amount (yuan, at most two decimals)",
    zero: "An adjustment cannot be 0",
    reason: "Give a reason (at least 2 characters)",
    overBid: "One adjustment may not exceed the bidder's bid price",
    notPositive: "The evaluated price must stay above 0",
  },
  confirmTitle: "Submit the evaluated-price adjustments",
  confirm: "Once submitted you cannot change it yourself (a correction needs a supervisor's approval). Submit these adjustments?",
  confirmNone: "This sheet has no adjustment (every evaluated price is the bid price). Submit?",
  confirmOk: "Submit",
  cancel: "Back to editing",
  decisions: "The committee's evaluated-price adjustments",
  working: "Aggregation",
  items: "Members' items",
  noItems: "No member adjusted",
  col: {
    adjustment: "Adjustment (yuan)",
    evaluated: "Evaluated price (yuan)",
    tieBreak: "Tie broken by",
  },
  tieBreak: {
    "lower-price": "Lower bid price",
    "higher-technical": "Higher technical score",
    draw: "Random draw",
  },
  seedHash: "Draw seed digest (SHA-256, fixed when the evaluation started)",
  seed: "Revealed draw seed",
};

export const adjustMessages = { "zh-CN": zh, en } as const;
