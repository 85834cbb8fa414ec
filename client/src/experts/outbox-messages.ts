// Texts of the notification outbox (短信发件箱), the expert's guide page (the
// `expert` login's home), the invitation's proof and the ID checks; merged into
// the app's messages by withExperts (messages.ts). Simplified Chinese first.
// vue-i18n message syntax: `{name}` interpolates; avoid literal @ { } | $ in text.

const zh = {
  outbox: {
    nav: "短信发件箱",
    title: "短信发件箱",
    hintOutbox: "本系统未接入短信/语音网关：发给专家的短信（邀请链接、签到验证码、取消通知）都保存在这里，由工作人员转告专家。演示环境中可直接点击邀请链接、抄写验证码。",
    hintWebhook: "短信由短信/语音网关发送；这里保存发送记录和结果，邀请链接和验证码已脱敏，只有专家本人收到完整内容。",
    hintConsole: "当前通知方式只写入服务器日志（已脱敏），不保存发件记录。请设置 EXPERT_NOTIFIER=outbox 或接入网关。",
    refresh: "刷新",
    auto: "自动刷新",
    kindAll: "全部类型",
    at: "发送时间",
    recipient: "收件人",
    channel: "方式",
    kind: "类型",
    text: "短信内容",
    link: "邀请链接",
    code: "验证码",
    status: "状态",
    demoId: "演示专家身份证号",
    demoIdHint: "演示专家库为虚构数据，身份证号公开，便于在专家终端签到",
    empty: "暂无短信",
    total: "共 {n} 条",
    more: "加载更早的",
    kinds: { invitation: "抽取邀请", "sign-in-code": "签到验证码", cancelled: "取消通知" },
    channels: { sms: "短信", voice: "语音" },
    statuses: { outbox: "已保存（待转告）", delivered: "已发送", failed: "发送失败" },
  },
  expertGuide: {
    title: "评标专家",
    lead: "评标专家不在本页工作：抽取、答复、签到、评审和签名都在手机短信链接和评标室的专家终端上完成。",
    step1Title: "1. 收到抽取邀请",
    step1: "被抽中后，专家会收到一条短信，内含邀请链接。打开链接，核对项目、时间和地点，输入本人身份证号后 4 位，选择接受或拒绝。",
    step2Title: "2. 在专家终端签到",
    step2: "评标当天到评标室，在分配的专家终端上输入本人 18 位身份证号，点击“获取短信验证码”，输入收到的 6 位验证码完成签到。",
    step3Title: "3. 评审与签名",
    step3: "签到后，评审、打分、澄清和签名都在同一台专家终端上完成。",
    demoTitle: "演示环境",
    demo: "演示环境不发送真实短信：请用管理员（admin）或监督人员（supervisor）账号登录，打开“短信发件箱”，即可看到邀请链接、验证码和演示专家的身份证号。专家终端的地址在服务启动时的输出中列出，也可在管理员的“设备管理”中找到。",
    terminal: "打开专家终端签到页",
    terminalHint: "专家终端签到页须在评标室的专家终端上打开（地址中带设备密钥）。",
  },
  inviteProof: {
    label: "身份证号后 4 位",
    hint: "为确认是您本人答复，请输入您身份证号的最后 4 位（末位可能是 X）",
    needed: "请输入身份证号后 4 位",
    triesLeft: "还可尝试 {n} 次；次数用完后此链接将不能答复",
  },
  idCheck: {
    birthFuture: "出生日期 {date} 晚于今天，不是有效的身份证号",
  },
  errors: {
    INVITE_PROOF_WRONG: "身份证号后 4 位不符",
    INVITE_LOCKED: "错误次数过多，此链接已不能答复：请到专家终端签到或联系中心",
  },
};

export type OutboxMessages = typeof zh;

const en: OutboxMessages = {
  outbox: {
    nav: "SMS outbox",
    title: "SMS outbox",
    hintOutbox: "No SMS/voice gateway is connected: every message to experts (invitation links, sign-in codes, cancellations) is kept here for staff to pass on. In the demo, click an invitation link or copy a code.",
    hintWebhook: "Messages are sent by the SMS/voice gateway; this is the record of what was sent and how it went. Links and codes are masked: only the expert gets them whole.",
    hintConsole: "The notifier only writes (masked) log lines; nothing is kept. Set EXPERT_NOTIFIER=outbox or connect a gateway.",
    refresh: "Refresh",
    auto: "Auto refresh",
    kindAll: "All kinds",
    at: "Sent at",
    recipient: "Recipient",
    channel: "Channel",
    kind: "Kind",
    text: "Text",
    link: "Invitation link",
    code: "Code",
    status: "Status",
    demoId: "Demo expert's ID number",
    demoIdHint: "The demo pool is fictitious and its ID numbers are public, for signing in at an expert terminal",
    empty: "No messages yet",
    total: "{n} in all",
    more: "Load older",
    kinds: { invitation: "Invitation", "sign-in-code": "Sign-in code", cancelled: "Cancellation" },
    channels: { sms: "SMS", voice: "Voice" },
    statuses: { outbox: "Kept (to pass on)", delivered: "Sent", failed: "Failed" },
  },
  expertGuide: {
    title: "Evaluation experts",
    lead: "Experts do not work on this page: invitations, answers, sign-in, scoring and signing happen through the SMS link and at the expert terminals in the evaluation room.",
    step1Title: "1. The invitation",
    step1: "A drawn expert gets an SMS with an invitation link. Open it, check project, time and place, enter the last 4 characters of your ID number, then accept or decline.",
    step2Title: "2. Sign in at an expert terminal",
    step2: "On the day, at the assigned expert terminal in the evaluation room, enter your 18-character ID number, press “Get SMS code” and enter the 6-digit code.",
    step3Title: "3. Scoring and signing",
    step3: "Once signed in, scoring, clarifications and signing all happen at the same expert terminal.",
    demoTitle: "Demo",
    demo: "The demo sends no real SMS: log in as the administrator (admin) or the supervisor (supervisor) and open the “SMS outbox” to see the invitation links, the codes and the demo experts' ID numbers. The expert terminals' addresses are listed in the start output, and under Devices for the administrator.",
    terminal: "Open the expert terminal sign-in page",
    terminalHint: "The sign-in page must be opened on an expert terminal in the evaluation room (its address carries the device key).",
  },
  inviteProof: {
    label: "Last 4 of your ID number",
    hint: "To confirm it is you answering, enter the last 4 characters of your ID number (the last may be X)",
    needed: "Enter the last 4 characters of your ID number",
    triesLeft: "{n} tries left; then this link can no longer answer",
  },
  idCheck: {
    birthFuture: "The birth date {date} is in the future: not a valid ID number",
  },
  errors: {
    INVITE_PROOF_WRONG: "The last 4 characters of the ID number do not match",
    INVITE_LOCKED: "Too many wrong answers: this link can no longer answer; sign in at an expert terminal or call the center",
  },
};

export const outboxMessages = { "zh-CN": zh, en };
