app-name = Yoldash
app-tagline = Migrasiýany dolandyrmakda we adam söwdasyna garşy göreşde jyns we ýaş aýratynlyklaryny göz öňünde tutýan maglumat ulgamy
lang-en = English
lang-ru = Русский
lang-tk = Türkmençe
skip-to-content = Mazmuna geç
footer-version = Yoldash, wersiýa { $version }
nav-home = Baş sahypa
nav-password = Açar sözüni üýtget
nav-logout = Çyk

login-title = Ulgama gir
login-email = E-poçta
login-password = Açar sözi
login-submit = Gir
login-failed = E-poçta ýa-da açar sözi nädogry, ýa-da hasap işjeň däl.
login-throttled = Girmek synanyşyklary örän köp. Birnäçe minut garaşyň we täzeden synanyşyň.
logged-out = Siz ulgamdan çykdyňyz.

password-title = Açar sözüni üýtgetmek
password-current = Häzirki açar sözi
password-new = Täze açar sözi
password-confirm = Täze açar sözi gaýtadan
password-submit = Açar sözüni üýtget
password-changed = Açar sözüňiz üýtgedildi. Beýleki sessiýalar ýapyldy.
password-mismatch = Täze açar sözleri gabat gelmeýär.
password-current-wrong = Häzirki açar sözi nädogry.
password-forced = Administrator açar sözüňizi täzeledi. Dowam etmek üçin täze açar sözüni saýlaň.
password-rules = Iň azyndan { $min } nyşan. Birnäçe baglanyşyksyz söz gowy açar sözi bolýar.
password-too-short = Açar sözi iň azyndan { $min } nyşandan ybarat bolmaly.
password-too-long = Açar sözi örän uzyn.
password-common = Bu açar sözi örän giňden ýaýran ýa-da ýönekeý. Başgasyny saýlaň.
password-contains-email = Açar sözi e-poçta salgyňyzy öz içine almaly däl.
password-contains-name = Açar sözi adyňyza ýa-da ulgamyň adyna esaslanmaly däl.

home-title = Baş sahypa
home-welcome = Hoş geldiňiz, { $name }.
home-organisation = Gurama: { $organisation }
home-roles = Siziň wezipeleriňiz: { $roles }

role-admin = Ulgam administratory
role-org_admin = Guramanyň administratory
role-secretariat = Iş toparynyň sekretariaty
role-supervisor = Wakalaryň ýolbaşçysy
role-case_worker = Wakalar boýunça hünärmen
role-service_provider = Hyzmat edijiniň jogapkär işgäri
role-hotline_operator = Ynam telefonynyň operatory
role-me_officer = Gözegçilik we baha beriş hünärmeni
role-viewer = Synçy

error-title = Bir näsazlyk ýüze çykdy
error-title-refused = Size elýeterli däl
error-title-not-found = Tapylmady
error-bad-request = Haýyşy düşünip bolmady.
error-unauthorized = Dowam etmek üçin ulgama giriň.
error-forbidden = Bu hereketi etmäge rugsadyňyz ýok.
error-not-found = Tapylmady.
error-conflict = Siz bu ýazgyny açanyňyzdan soň başga biri ony üýtgetdi. Üýtgetmeleriňiz ýazylmady; häzirki görnüşini gözden geçiriň we olary täzeden giriziň.
error-duplicate = Bu baha eýýäm ulanylýar.
error-invalid = Käbir bahalar nädogry.
error-csrf = Formanyň möhleti geçdi ýa-da ol bu saýtdan iberilmedi. Sahypany täzeläň we täzeden synanyşyň.
error-too-large = Haýyş örän uly.
error-throttled = Haýyşlar örän köp. Biraz garaşyň we täzeden synanyşyň.
error-method-not-allowed = Bu salgy şeýle haýyşy kabul etmeýär.
error-internal = Içki ýalňyşlyk ýüze çykdy. Ol žurnala ýazyldy; maglumatlar üýtgedilmedi.
error-back-home = Baş sahypa dolan

field-required = Bu meýdany doldurmak hökmany.
field-invalid-email = E-poçta salgysyny giriziň, meselem name@example.org.
field-invalid-name = 200 nyşandan köp bolmadyk, dolandyryjy we görünmeýän nyşansyz at giriziň.
field-invalid-code = 2-den 32-ä çenli A–Z latyn harplaryny, sanlary, defisleri ýa-da aşaky çyzyklary ulanyň.
field-invalid-organisation-type = Guramanyň görnüşini saýlaň.
field-invalid-role = Näbelli wezipe.
field-role-required = Iň azyndan bir wezipäni saýlaň.
field-invalid-language = Iňlis, rus ýa-da türkmen dilini saýlaň.
field-unknown-organisation = Bu kodly gurama ýok.
field-organisation-inactive = Bu gurama işjeňsizleşdirildi.
field-unknown-region = Bu kodly sebit ýok.
field-invalid-label = 100 nyşandan köp bolmadyk at giriziň.
field-invalid-expiry = 1-den 3650-ä çenli günleriň sanyny giriziň.
field-english-name-required = Iňlis dilindäki at hökmany.
field-duplicate-code = Bu kod iki gezek ulanylýar.
field-unknown-parent = Ýokary derejeli sebit ýok.
field-cyclic-parent = Ýokary derejeli sebitler aýlaw emele getirýär.
field-invalid-version = Wersiýa görkezilmedi ýa-da san däl.
field-invalid-body = Haýyşyň mazmunynda garaşylýan meýdanlar ýok.
field-unknown-field = Bu amal şeýle meýdany kabul etmeýär: onuň adyny API beýanynda barlaň.
field-unknown-parameter = Bu amal şeýle sorag parametrini kabul etmeýär: onuň adyny API beýanynda barlaň.
field-cannot-disable-self = Öz hasabyňyzy öçürip bilmersiňiz.
nav-main = Esasy menýu
nav-account = Meniň hasabym
nav-organisations = Guramalar
nav-users = Ulanyjylar
nav-regions = Sebitler
nav-lists = Salgylanma sanawlary
nav-audit = Audit žurnaly
nav-tokens = API belgileri
language = Dil
breadcrumbs = Siz şu ýerde
format-datetime = { $day }.{ $month }.{ $year } { $hour }:{ $minute } UTC
format-percent = { $value }{ "\u00A0" }%
number-group-separator = { "\u00A0" }
number-decimal-separator = ,
month-1 = ýan
month-2 = few
month-3 = mar
month-4 = apr
month-5 = maý
month-6 = iýun
month-7 = iýul
month-8 = awg
month-9 = sen
month-10 = okt
month-11 = noý
month-12 = dek
home-second-factor-off = Siziň hasabyňyz diňe açar sözi bilen goralýar. Ikinji faktor ony has howpsuz eder.
home-my-work = Meniň açyk işlerim
home-my-work-empty = Size garaşýan zat ýok. Size bellenen wakalar we guramaňyza gönükdirmeler şu ýerde peýda bolar.
home-approvals = Meniň tassyklamagyma garaşýanlar
home-approvals-empty = Tassyklamagyňyza garaşýan zat ýok. Size iberilen bahalandyrmalar, waka meýilnamalary, wakalaryň ýapylmagy we ösüş hasabatlary şu ýerde peýda bolar.
home-administration = Dolandyryş
home-figure-organisations = Işjeň guramalar
home-figure-users = Işjeň ulanyjy hasaplary
home-activity = Meniň soňky hereketlerim
home-activity-empty = Häzirlikçe hereket ýazylmady.
activity-login = Ulgama girdi
activity-login_failed = Girmek synanyşygy başa barmady
activity-login_throttled = Giriş ret edildi (synanyşyk köp)
activity-logout = Ulgamdan çykdy
activity-create = Ýazgy döretdi
activity-update = Ýazgyny üýtgetdi
activity-delete = Ýazgyny pozdy
activity-read = Ýazgyny açdy
activity-list = Sanawy gördi
activity-export = Maglumatlary eksport etdi
activity-password_change = Açar sözüni üýtgetdi
activity-password_reset = Açar sözüni täzeledi
activity-disable = Hasaby ýa-da guramany öçürdi
activity-token_create = API belgisini döretdi
activity-token_revoke = API belgisini ýatyrdy
activity-key_rotate = Şifrleme açarlaryny çalyşdy
activity-backup = Ätiýaçlyk nusga döretdi
activity-restore = Ätiýaçlyk nusgadan dikeltdi
activity-consent_override = Talap edilýän razylyksyz hereket etdi
activity-import = Maglumatlary import etdi

## issue 10 (authz)
error-account-out-of-reach = Bu hasabyň siziň berip bilmeýän wezipäňiz bar, şonuň üçin ony üýtgedip bilmersiňiz. Ulgam administratoryna ýüz tutuň.
error-supervisor-decision = Işi başga hünärmene bermek we ondan goragy aýyrmak (girişi çäklendirilen, maşgala agzasy gatyşykly) diňe wakalaryň ýolbaşçysynyň çözgüdidir.

## issue 10 (web)
activity-access_refused = Elýeterliligiňizden daşarky ýazgy soraldy (ret edildi)

## issue 10 (db)
error-unavailable = Maglumat binasy häzir hiç zady saklap bilmeýär: onuň ammary doly ýa-da elýeterli däl bolmagy mümkin. Hiç zat saklanmady. Soňrak synanyşyň; ýagdaý dowam etse, administratoryňyza habar beriň.
notice-audit-head-lagging = Audit žurnalynyň iň soňky ýazgysyny belleýän audit-head.json faýly ýazylyp bilinmedi (sebäbi serweriň žurnalynda). Audit žurnalynyň ýazgylarynyň hiç biri ýitmedi, ýöne faýl täzeden ýazylýança «audit verify» iň soňky ýazgylaryň aýrylandygyny anyklap bilmeýär. Maglumat katalogynyň boş ýerini we rugsatlaryny barlaň; faýl awtomatik usulda täzeden ýazylar.

## issue 10 (review)
error-own-roles = Öz wezipeleriňizi üýtgedip bilmersiňiz. Muny başga bir administratordan haýyş ediň.
error-own-second-factor = Öz hasabyňyzdan ikinji faktor talabyny aýryp ýa-da öz ikinji faktoryňyzy bu ýerde täzeden düzüp bilmersiňiz: muny başga bir administrator edýär. Öz ikinji faktoryňyzy üýtgetmek üçin «Meniň hasabym» → «Howpsuzlyk» bölümini açyň.

# Home for roles whose work comes later (pages/mod.rs).
home-coming = Bu ýerde näme taparsyňyz
home-coming-secretariat = Milli hereket meýilnamasynyň gözegçiligi: çäreler, jogapkär edaralar, möhletler, ýerine ýetiriliş hasabatlary we milli hasabat. Indiki wersiýada peýda bolar.
home-coming-me_officer = Jyns we ýaş boýunça bölünen, gender taýdan duýgur görkezijiler we olaryň hasaplanýan sanawlary. Indiki wersiýada peýda bolar.
home-coming-service_provider = Siziň gullugyňyza iberilmeler we olaryň yzarlanylyşy. Indiki wersiýada peýda bolar.
home-coming-hotline_operator = Ynam telefonynyň sanawy: maslahatlar we olardan soňky iberilmeler. Indiki wersiýada peýda bolar.
home-coming-viewer = Şahsy maglumatlary goralyp çap edilen görkezijiler we hasabatlar. Indiki wersiýada peýda bolar.
