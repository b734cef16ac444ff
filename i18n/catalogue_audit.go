package i18n

// The audit log pages (web/audit.go, web/templates/audit.html).
func init() {
	add(map[string]Text{
		"nav.audit": {"审计日志", "Audit log"},

		"audit.title":       {"审计日志", "Audit log"},
		"audit.heading":     {"审计日志", "Audit log"},
		"audit.lead":        {"记录每一次更改、每一次查看未脱敏个人信息、每一次被拒绝的请求和每一次登录。记录只能追加，不能修改或删除；每条记录带有前一条记录的哈希，任何篡改都会被校验发现。", "Every change, every view of unmasked personal data, every denied request and every sign-in. Entries can only be added, never changed or deleted; each carries the hash of the one before, so any tampering shows when the chain is verified."},
		"audit.search":      {"查询条件", "Search"},
		"audit.user":        {"用户名", "User name"},
		"audit.record":      {"对象", "Record"},
		"audit.record_type": {"对象类型", "Record type"},
		"audit.record_id":   {"对象编号", "Record id"},
		"audit.action":      {"操作", "Action"},
		"audit.action_hint": {"如 auth.sign_in；以 * 结尾按前缀查询，如 auth.*", "e.g. auth.sign_in; end with * for a prefix, e.g. auth.*"},
		"audit.outcome":     {"结果", "Outcome"},
		"audit.from":        {"开始日期", "From"},
		"audit.to":          {"结束日期", "To"},
		"audit.per_page":    {"每页条数", "Per page"},
		"audit.all":         {"全部", "All"},
		"audit.apply":       {"查询", "Search"},
		"audit.reset":       {"清除条件", "Clear"},
		"audit.bad_query":   {"查询条件有误：", "The search has mistakes:"},
		"audit.total":       {"共 %s 条，显示第 %d–%d 条（最新的在前）", "%s entries, showing %d–%d (newest first)"},
		"audit.none":        {"没有符合条件的审计记录", "No audit entries match"},
		"audit.export_xlsx": {"导出 Excel", "Export to Excel"},
		"audit.pages":       {"分页", "Pages"},
		"audit.prev":        {"上一页", "Previous"},
		"audit.next":        {"下一页", "Next"},

		"audit.col.seq":       {"序号", "Seq"},
		"audit.col.at":        {"时间", "Time"},
		"audit.col.user":      {"用户", "User"},
		"audit.col.org":       {"机构", "Organisation"},
		"audit.col.ip":        {"IP 地址", "IP address"},
		"audit.col.request":   {"请求编号", "Request"},
		"audit.col.detail":    {"说明", "Detail"},
		"audit.col.changes":   {"变更（前 → 后）", "Changes (before → after)"},
		"audit.col.user_id":   {"用户ID", "User id"},
		"audit.col.org_kind":  {"机构类型", "Organisation kind"},
		"audit.col.org_code":  {"机构代码", "Organisation code"},
		"audit.col.prev_hash": {"前一条哈希", "Previous hash"},
		"audit.col.hash":      {"哈希", "Hash"},

		"audit.outcome.ok":     {"成功", "OK"},
		"audit.outcome.failed": {"失败", "Failed"},
		"audit.outcome.denied": {"拒绝", "Denied"},

		"audit.chain":       {"审计链校验", "Chain check"},
		"audit.chain_lead":  {"从第一条记录（或最近一次清除的锚点）逐条重新计算哈希，确认没有记录被篡改、删除或插入。", "Recomputes every entry's hash from the first (or the last purge's anchor) to confirm that none was altered, deleted or inserted."},
		"audit.verify":      {"立即校验", "Verify now"},
		"audit.intact":      {"审计链完好", "The chain is intact"},
		"audit.broken":      {"审计链已损坏", "The chain is broken"},
		"audit.anchor":      {"自第 %d 条之后校验；此前的记录已按保留期清除。", "Verified after entry %d; earlier entries were purged after the retention period."},
		"audit.unavailable": {"审计日志不可用", "The audit log is not available"},

		"audit.export_file":  {"审计日志", "audit-log"},
		"audit.export_sheet": {"审计日志", "Audit log"},

		// Names of the actions the log records; an action without one shows its code.
		"audit.act.auth.sign_in":        {"登录", "Sign-in"},
		"audit.act.auth.sign_in_failed": {"登录失败", "Failed sign-in"},
		"audit.act.auth.sign_out":       {"退出登录", "Sign-out"},
		"audit.act.audit.purge":         {"清除过期审计记录", "Purge of expired audit entries"},
		"audit.act.audit.export":        {"导出审计日志", "Export of the audit log"},
		"audit.act.audit.verify":        {"校验审计链", "Chain check"},
		"audit.act.request.denied":      {"请求被拒绝", "Request denied"},
	})
}
