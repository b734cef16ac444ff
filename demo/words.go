package demo

import "strconv"

// Word lists for realistic Chinese names. Each word that can appear in an
// English name carries its English form (hand-written; no pinyin library is
// available offline, so words without one make the school's English name empty).

type word struct{ zh, en string }

// schoolWords name private schools and some public ones (育才, 明德…).
var schoolWords = []word{
	{"育才", "Yucai"}, {"博雅", "Boya"}, {"明德", "Mingde"}, {"启明", "Qiming"}, {"英才", "Yingcai"},
	{"育英", "Yuying"}, {"春晖", "Chunhui"}, {"华英", "Huaying"}, {"弘毅", "Hongyi"}, {"树人", "Shuren"},
	{"培英", "Peiying"}, {"德馨", "Dexin"}, {"致远", "Zhiyuan"}, {"思源", "Siyuan"}, {"成章", "Chengzhang"},
	{"嘉禾", "Jiahe"}, {"正源", "Zhengyuan"}, {"求实", "Qiushi"}, {"立信", "Lixin"}, {"新华", "Xinhua"},
	{"东方", "Dongfang"}, {"瑞华", "Ruihua"}, {"华鑫", "Huaxin"}, {"楚才", "Chucai"}, {"南华", "Nanhua"}, {"金甲", "Jinjia"},
	{"钟武", "Zhongwu"}, {"逸夫", "Yifu"}, {"恒远", "Hengyuan"}, {"博文", "Bowen"}, {"崇德", "Chongde"},
	{"尚德", "Shangde"}, {"智源", "Zhiyuan"}, {"景华", "Jinghua"}, {"远航", "Yuanhang"}, {"励志", "Lizhi"},
}

// kinderWords name kindergartens and training institutions.
var kinderWords = []word{
	{"阳光", "Sunshine"}, {"童心", "Tongxin"}, {"小天使", "Little Angel"}, {"金太阳", "Golden Sun"},
	{"蓝天", "Blue Sky"}, {"七彩", "Rainbow"}, {"贝贝", "Beibei"}, {"小太阳", "Little Sun"}, {"快乐", "Happy"},
	{"爱心", "Aixin"}, {"智慧树", "Wisdom Tree"}, {"春苗", "Spring Sprout"}, {"小博士", "Little Doctor"},
	{"红缨", "Hongying"}, {"金色摇篮", "Golden Cradle"}, {"童乐", "Tongle"}, {"新星", "New Star"},
	{"启蒙", "Qimeng"}, {"星星", "Star"}, {"小哈佛", "Little Harvard"}, {"苗苗", "Miaomiao"},
	{"彩虹", "Rainbow Bridge"}, {"花朵", "Flower"}, {"蒙特梭利", "Montessori"}, {"宝贝", "Baobei"},
	{"小精灵", "Little Elf"}, {"金苹果", "Golden Apple"}, {"童梦", "Childhood Dream"}, {"美林", "Meilin"},
	{"乐贝", "Lebei"}, {"欣欣", "Xinxin"}, {"向日葵", "Sunflower"}, {"小红帽", "Little Red Hat"},
}

// vocationWords are the trades of vocational schools.
var vocationWords = []word{
	{"工业", "Industrial"}, {"商贸", "Commerce and Trade"}, {"交通", "Transport"}, {"卫生", "Health"},
	{"农业", "Agricultural"}, {"财经", "Finance and Economics"}, {"信息", "Information Technology"},
	{"建筑", "Construction"}, {"旅游", "Tourism"}, {"艺术", "Arts"}, {"机电", "Electromechanical"},
	{"幼儿师范", "Preschool Teachers"},
}

// trainingSubjects are non-academic subjects (the 2021 双减 rules leave these to training institutions).
var trainingSubjects = []word{
	{"艺术", "Arts"}, {"美术", "Fine Arts"}, {"舞蹈", "Dance"}, {"音乐", "Music"}, {"书法", "Calligraphy"},
	{"体育", "Sports"}, {"科技", "Science and Technology"}, {"编程", "Coding"}, {"围棋", "Go"},
	{"跆拳道", "Taekwondo"}, {"口才", "Public Speaking"}, {"武术", "Martial Arts"}, {"篮球", "Basketball"},
	{"游泳", "Swimming"}, {"钢琴", "Piano"}, {"机器人", "Robotics"},
}

// roads are road names found in almost any Chinese county town.
var roads = []word{
	{"建设路", "Jianshe Road"}, {"人民路", "Renmin Road"}, {"解放路", "Jiefang Road"}, {"中山路", "Zhongshan Road"},
	{"延安路", "Yan'an Road"}, {"东风路", "Dongfeng Road"}, {"和平路", "Heping Road"}, {"光明路", "Guangming Road"},
	{"文化路", "Wenhua Road"}, {"新民路", "Xinmin Road"}, {"兴隆路", "Xinglong Road"}, {"迎宾路", "Yingbin Road"},
	{"朝阳路", "Chaoyang Road"}, {"胜利路", "Shengli Road"}, {"团结路", "Tuanjie Road"}, {"育才路", "Yucai Road"},
	{"学府路", "Xuefu Road"}, {"健康路", "Jiankang Road"}, {"环城路", "Huancheng Road"}, {"振兴路", "Zhenxing Road"},
	{"金龙路", "Jinlong Road"}, {"滨江路", "Binjiang Road"},
}

// hengyangRoads are roads of Hengyang city, used only in its jurisdiction.
var hengyangRoads = []word{
	{"船山路", "Chuanshan Road"}, {"蒸湘北路", "North Zhengxiang Road"}, {"衡州大道", "Hengzhou Avenue"},
	{"长湖路", "Changhu Road"}, {"雁城路", "Yancheng Road"}, {"华新大道", "Huaxin Avenue"}, {"立新大道", "Lixin Avenue"},
	{"黄白路", "Huangbai Road"}, {"蔡伦大道", "Cailun Avenue"}, {"湘江路", "Xiangjiang Road"},
}

// Village names are built from a first syllable and a Hunan place ending
// (石 + 塘 → 石塘).
var villageHeads = []string{
	"石", "龙", "马", "金", "白", "黄", "大", "小", "新", "高", "长", "枫", "杨", "松", "桃", "莲", "荷", "梅",
	"樟", "杉", "竹", "泉", "清", "双", "太", "花", "凤", "鹤", "桐", "柏", "沙", "青", "东", "西", "南", "北",
	"上", "下", "中", "毛", "朱", "谭", "罗", "刘", "曾", "彭", "胡", "谢", "廖", "邓", "铁", "铜",
}

var villageTails = []string{
	"塘", "冲", "坪", "湾", "铺", "桥", "岭", "山", "洲", "田", "江", "峰", "源", "溪", "陂", "坳", "岗", "园",
	"口", "坝", "家湾", "家冲", "家坪", "家塘", "木", "林", "屋", "头",
}

// Surnames weighted roughly by how common they are in Hunan (repeats weigh more).
var surnames = []string{
	"刘", "刘", "刘", "李", "李", "王", "王", "张", "张", "陈", "陈", "周", "周", "黄", "黄", "谭", "谭",
	"罗", "罗", "邓", "邓", "彭", "彭", "曾", "曾", "唐", "唐", "廖", "蒋", "肖", "谢", "贺", "颜", "胡",
	"龙", "旷", "匡", "欧阳", "段", "阳", "资", "文", "朱", "杨", "赵", "吴", "徐", "孙", "马", "许",
	"何", "郭", "田", "雷", "萧", "伍", "宋", "邹", "蔡", "汤", "尹", "郑", "袁", "夏", "钟", "卢", "史",
}

var givenChars = []string{
	"军", "伟", "勇", "华", "平", "明", "辉", "健", "国", "建", "志", "文", "红", "英", "芳", "丽", "敏", "静",
	"霞", "燕", "萍", "玲", "云", "斌", "涛", "杰", "鹏", "峰", "波", "俊", "海", "林", "春", "秋", "亮", "兵",
	"强", "刚", "宏", "晖", "慧", "娟", "琳", "洁", "艳", "旭", "东", "新", "利", "湘", "衡", "清", "德", "立",
	"中", "光", "学", "庆", "勤", "美", "桂", "兰", "梅", "荣", "卫", "良", "永", "忠", "双", "四", "跃",
}

// cnNumber writes 1–99 in Chinese numerals: 1 → 一, 12 → 十二, 20 → 二十.
func cnNumber(n int) string {
	digits := []string{"", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n <= 0:
		return "零"
	case n < 10:
		return digits[n]
	case n < 20:
		return "十" + digits[n%10]
	case n < 100:
		return digits[n/10] + "十" + digits[n%10]
	}
	return strconv.Itoa(n)
}
