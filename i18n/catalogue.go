package i18n

import (
	"fmt"
	"sort"
)

// Tr returns the user-interface label key in l. An unknown key is returned
// as it is, so that a mistake shows on the page (and catalogue_test fails).
func Tr(l Lang, key string) string {
	t, ok := catalogue[key]
	if !ok {
		return key
	}
	return t.In(l)
}

// Trf is Tr with fmt.Sprintf arguments.
func Trf(l Lang, key string, args ...any) string {
	return fmt.Sprintf(Tr(l, key), args...)
}

// Has reports whether key is in the catalogue.
func Has(key string) bool {
	_, ok := catalogue[key]
	return ok
}

// Keys lists the catalogue's keys in order (for tests and tools).
func Keys() []string {
	out := make([]string, 0, len(catalogue))
	for k := range catalogue {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// add merges a part of the catalogue kept in its own file (catalogue_*.go,
// called from init); a key defined twice is a programming error.
func add(part map[string]Text) {
	for k, v := range part {
		if _, dup := catalogue[k]; dup {
			panic("i18n: catalogue key defined twice: " + k)
		}
		catalogue[k] = v
	}
}

// catalogue holds every fixed label of the user interface in both languages.
// Names of types, statuses and ownerships come from their packages (Text);
// messages about what went wrong come from fault errors.
var catalogue = map[string]Text{
	// The frame of every page.
	"app.bureau":     {"%s教育局", "%s Education Bureau"},
	"app.skip":       {"跳到正文", "Skip to content"},
	"app.nav":        {"主导航", "Main navigation"},
	"app.sign_out":   {"退出登录", "Sign out"},
	"app.breadcrumb": {"位置", "You are here"},
	"app.print":      {"打印", "Print"},

	// Navigation: one entry per duty of the bureau, added as each is built.
	"nav.home":    {"首页", "Home"},
	"nav.schools": {"学校", "Schools"},

	// Signing in.
	"login.title":    {"登录", "Sign in"},
	"login.heading":  {"登录", "Sign in"},
	"login.lead":     {"请使用本局分配的账号登录。", "Sign in with the account the bureau gave you."},
	"login.username": {"用户名", "User name"},
	"login.password": {"密码", "Password"},
	"login.submit":   {"登录", "Sign in"},
	"login.missing":  {"请填写用户名和密码", "Enter your user name and password"},
	"login.hint":     {"忘记密码请联系系统管理员。连续输错密码可能导致账号被锁定。", "If you have forgotten your password, ask the system administrator. Repeated wrong passwords may lock the account."},

	// Errors.
	"error.title":      {"出错了", "Something went wrong"},
	"error.heading":    {"无法完成请求", "The request could not be completed"},
	"error.request_id": {"如需联系管理员，请提供请求编号：", "If you contact the administrator, quote the request number:"},
	"error.home":       {"返回首页", "Back to the home page"},

	// One-time messages after an action.
	"flash.saved":   {"已保存", "Saved"},
	"flash.created": {"已新建学校", "School created"},

	// The dashboard.
	"home.title":         {"首页", "Home"},
	"home.heading":       {"辖区教育概况", "The jurisdiction at a glance"},
	"home.lead":          {"以下数字为您权限范围内、未撤销的学校。", "Figures cover the schools within your scope that are not closed."},
	"home.academic_year": {"当前学年：%s", "Academic year %s"},
	"home.fiscal_year":   {"财年：%s", "Fiscal year %s"},
	"home.figures":       {"主要数字", "Headline figures"},
	"home.schools":       {"学校数", "Schools"},
	"home.public":        {"公办", "Public"},
	"home.private":       {"民办", "Private"},
	"home.capacity":      {"学位数", "Places"},
	"home.note":          {"学位数为各校登记的规模之和。", "Places are the sum of the capacities the schools registered."},
	"home.by_county":     {"各县区学校数（按办学类型）", "Schools by county and type"},
	"home.by_type":       {"各办学类型学校数", "Schools by type"},
	"home.total":         {"合计", "Total"},
	"home.share":         {"占比", "Share"},
	"home.empty":         {"暂无学校", "No schools yet"},
	"home.schools_axis":  {"所", "schools"},

	// The school list.
	"schools.title":       {"学校名录", "School registry"},
	"schools.heading":     {"学校名录", "School registry"},
	"schools.new":         {"新建学校", "New school"},
	"schools.search":      {"搜索", "Search"},
	"schools.search_hint": {"名称、曾用名、标识码、地址或校长", "Name, former name, identifier, address or headmaster"},
	"schools.all":         {"全部", "All"},
	"schools.per_page":    {"每页", "Per page"},
	"schools.apply":       {"筛选", "Filter"},
	"schools.reset":       {"清除条件", "Clear filters"},
	"schools.total":       {"共 %s 所，显示第 %d–%d 所", "%s schools; showing %d–%d"},
	"schools.none":        {"没有符合条件的学校", "No school matches"},
	"schools.bad_query":   {"筛选条件有误，请修改：", "The filter has a problem; please correct it:"},
	"schools.export_csv":  {"导出 CSV", "Export CSV"},
	"schools.export_xlsx": {"导出 Excel", "Export Excel"},
	"pager.pages":         {"分页", "Pages"},
	"pager.prev":          {"上一页", "Previous"},
	"pager.next":          {"下一页", "Next"},

	// One school.
	"school.edit":         {"编辑", "Edit"},
	"school.details":      {"基本信息", "Details"},
	"school.coordinates":  {"坐标（经度, 纬度）", "Coordinates (longitude, latitude)"},
	"school.names":        {"名称沿革", "Names over time"},
	"school.current_name": {"现名", "current"},
	"school.valid_from":   {"启用日期", "From"},
	"school.valid_to":     {"停用日期", "Until"},
	"school.history":      {"变更记录", "History of changes"},
	"school.action":       {"操作", "Action"},
	"school.changed_by":   {"操作人", "By"},
	"school.changed_at":   {"时间", "When"},
	"school.changes":      {"变更内容", "Changes"},
	"school.created":      {"建档", "Record created"},

	// What a history entry did.
	"action.create": {"新建", "Created"},
	"action.update": {"修改", "Updated"},
	"action.rename": {"更名", "Renamed"},
	"action.close":  {"撤销", "Closed"},
	"action.reopen": {"恢复办学", "Reopened"},

	// The create/edit form.
	"form.new_title":     {"新建学校", "New school"},
	"form.edit_title":    {"编辑：%s", "Edit: %s"},
	"form.identity":      {"学校身份", "Identity"},
	"form.place":         {"所在地", "Location"},
	"form.running":       {"办学情况", "Running the school"},
	"form.licence":       {"办学许可证（民办学校）", "Licence (private schools)"},
	"form.licence_hint":  {"办学中或停办的民办学校须填写；公办学校请留空。", "Required for active or suspended private schools; leave empty for public schools."},
	"form.code_hint":     {"10 位：2 位类型 + 2 位省份 + 6 位序号", "10 digits: 2 for the type, 2 for the province, 6 for the sequence"},
	"form.code_fixed":    {"学校标识码不能修改", "The identifier cannot be changed"},
	"form.renamed_hint":  {"仅在更名时有用：新名称的启用日期，留空为今天。现名：%s", "Only used when the name changes: the date the new name takes effect (empty: today). Current name: %s"},
	"form.township_hint": {"先选县区，再选乡镇（街道）", "Choose the county first"},
	"form.lng_hint":      {"十进制度数，如 112.571997", "Decimal degrees, e.g. 112.571997"},
	"form.lat_hint":      {"十进制度数，如 26.893230", "Decimal degrees, e.g. 26.893230"},
	"form.closed_hint":   {"仅已撤销的学校填写", "Only for a closed school"},
	"form.choose":        {"请选择", "Choose…"},
	"form.none":          {"（未指定）", "(none)"},
	"form.save":          {"保存", "Save"},
	"form.cancel":        {"取消", "Cancel"},
	"form.discard":       {"放弃未保存的修改？", "Discard the unsaved changes?"},
	"form.bad_version":   {"表单缺少版本号，请重新打开编辑页面", "The form has no version; open the edit page again"},

	// Field labels, by the JSON names that fault errors and history use.
	"field.code":               {"学校标识码", "Identifier"},
	"field.name":               {"学校名称", "Name"},
	"field.name_en":            {"英文名称", "English name"},
	"field.type":               {"办学类型", "Type"},
	"field.ownership":          {"举办者类型", "Ownership"},
	"field.county":             {"县区", "County"},
	"field.township":           {"乡镇（街道）", "Township"},
	"field.address":            {"地址", "Address"},
	"field.lng":                {"经度", "Longitude"},
	"field.lat":                {"纬度", "Latitude"},
	"field.status":             {"办学状态", "Status"},
	"field.opened_on":          {"开办日期", "Opened on"},
	"field.closed_on":          {"撤销日期", "Closed on"},
	"field.headmaster":         {"校长", "Headmaster"},
	"field.capacity":           {"规模（学位数）", "Capacity (places)"},
	"field.licence_no":         {"办学许可证号", "Licence number"},
	"field.licence_issued_on":  {"发证日期", "Licence issued on"},
	"field.licence_expires_on": {"有效期至", "Licence expires on"},
	"field.renamed_on":         {"更名日期", "Renamed on"},
	"field.version":            {"版本", "Version"},
	"field.updated_at":         {"更新时间", "Updated at"},
	// Query parameters of lists.
	"field.q":        {"搜索词", "Search text"},
	"field.sort":     {"排序", "Sort"},
	"field.desc":     {"排序方向", "Sort direction"},
	"field.page":     {"页码", "Page"},
	"field.per_page": {"每页条数", "Per page"},

	// Exports.
	"export.schools_file":  {"学校名录", "School registry"},
	"export.schools_sheet": {"学校名录", "Schools"},
	"export.county_code":   {"县区代码", "County code"},
	"export.township_code": {"乡镇（街道）代码", "Township code"},
}
