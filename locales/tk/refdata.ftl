# Salgylanma maglumatlary: sebitleriň iýerarhiýasy, sebitleri import etmek, salgylanma sanawlary.

regions-title = Sebitler
regions-intro = Ýurtdan etraplara çenli administratiw sebitler. Guramalar, işler we hasabatlar olara kod arkaly salgylanýar.
regions-total = Jemi { $count } sebit.
regions-none = Entek sebit ýok. Olary goşmak üçin faýl import ediň.
regions-organisations = { $count ->
    [0] gurama ýok
   *[other] { $count } gurama
}
regions-back = Sebitlere dolanmak

regions-import-title = Sebitleri import etmek
regions-import-intro = Her setirde bir sebit bolan CSV ýa-da Excel (XLSX) faýlyny ýükläň. Birinji setirde sütünleriň atlary görkezilýär.
regions-import-columns = Ulanyp boljak sütünler:
regions-import-required = Her faýlda bolmaly sütünler:
regions-import-updates = Kody ulgamda eýýäm bar bolan sebit täzelenýär (atlary, derejesi we ýokarky sebiti); beýlekileri goşulýar. Faýlda name_ru ýa-da name_tk sütüni ýok bolsa, şol dildäki ýatda saklanan atlar üýtgemeýär. Import hiç haçan sebiti pozmaýar.
regions-import-parent = Iň ýokarky derejeli sebit (ýurt) üçin parent_code boş goýuň. Ýokarky sebit ulgamda eýýäm bar bolan sebit ýa-da şol faýlyň başga setiri bolup biler.
regions-import-limit = Faýlyň möçberi { $size }-dan köp bolmaly däl.
regions-import-file = Faýl (.csv ýa-da .xlsx)
regions-import-file-hint = CSV faýllary UTF-8 kodlamasynda bolmaly; sütünleri otur ýa-da nokatly otur bilen aýyryp bolýar. Excel faýlyndan diňe birinji sahypa okalýar.
regions-import-mode = Käbir setirlerde ýalňyşlyk bar bolsa
regions-import-mode-all = Haýsydyr bir setirde ýalňyşlyk bar bolsa, hiç zat import etmeli däl
regions-import-mode-partial = Dogry setirleri import etmeli we ýalňyş setirleri geçmeli
regions-import-submit = Barlamak we import etmek
regions-import-result-title = Sebitleri import etmegiň netijesi
regions-import-done = Import tamamlandy.
regions-import-refused = Hiç zat import edilmedi: { $count } setirde ýalňyşlyk bar. Olary düzediň we faýly täzeden ýükläň.
regions-import-summary = Faýlda { $count } sebit setiri bar.
regions-import-added = Goşuldy: { $count }
regions-import-updated = Täzelendi: { $count }
regions-import-skipped = Geçildi: { $count }
regions-import-problems = Ýalňyşly setirler
regions-import-line = Setir
regions-import-column = Sütün
regions-import-problem = Ýalňyşlyk
regions-import-again = Başga faýly import etmek
regions-import-unknown-columns = Faýlda bu importyň bilmeýän sütünleri bar: { $columns }. Ulanyp boljak sütünler: { $known }.
regions-import-missing-columns = Faýlda hökmany sütünler ýok: { $columns }.
regions-import-repeated-columns = Bu sütünler birnäçe gezek gabat gelýär: { $columns }.
regions-import-no-rows = Faýlda sütün atlary bolan setir bar, emma onuň aşagynda hiç bir sebit ýok.

refdata-upload-unreadable = Ýüklenen maglumatlary okap bolmady. Faýly täzeden saýlaň we formany ýene iberiň.
refdata-import-unknown-extension = Ady .csv ýa-da .xlsx bilen gutarýan faýly saýlaň.
refdata-import-not-utf8 = CSV faýly UTF-8 kodlamasynda däl. Excel-de «Başga görnüşde ýatda sakla» → «CSV UTF-8» saýlaň ýa-da .xlsx faýlyny ýükläň.
refdata-import-bad-csv = CSV faýlyny { $line }-nji setirde okap bolanok. Şol setirdäki dyrnaklary barlaň.
refdata-import-unreadable-xlsx = Faýl okalýan Excel (.xlsx) kitaby däl. Ony Excel-de açyň, täzeden .xlsx görnüşinde ýatda saklaň we ýene bir gezek ýükläň.
refdata-import-no-header = Faýl boş ýa-da onuň birinji setirinde sütünleriň atlary ýok.

field-refdata-file-required = Ýüklemek üçin faýl saýlaň.
field-invalid-region-code = Iň köp 64 sany latyn harpyny, sanlary, defisleri, aşaky çyzyklary ýa-da nokatlary ulanyň.
field-invalid-level = Derejäniň gysga adyny ýazyň, mysal üçin province ýa-da district: latyn harplary a–z, sanlar, defisler ýa-da aşaky çyzyklar.
field-parent-row-invalid = Ýokarky sebitiň setirinde ýalňyşlyk bar, şonuň üçin bu setiri hem import edip bolmaýar.
field-invalid-item-code = 2-den 40-a çenli kiçi latyn harplaryny a–z, sanlary ýa-da aşaky çyzyklary ulanyň, mysal üçin legal_aid.
field-english-label-required = Iňlis dilindäki ady hökmany.
field-invalid-sort-order = 0-dan 999999-a çenli bitin san giriziň.
field-lists-code-taken = Bu sanawda şeýle kodly element eýýäm bar (belki, ulanyşdan aýrylan). Başga kod saýlaň ýa-da şol elementi dikeldiň.

flash-upload-too-large = Faýl ýüklemek üçin gaty uly. Ony birnäçe kiçi faýla bölüň we olary bir-birden ýükläň.
flash-lists-item-added = Element goşuldy.
flash-lists-item-saved = Element ýatda saklandy.
flash-lists-item-retired = Element ulanyşdan aýryldy. Ol indi täze ýazgylar üçin hödürlenmeýär.
flash-lists-item-restored = Element dikeldildi.

lists-title = Salgylanma sanawlary
lists-intro = Formalarda hödürlenýän saýlawlar: hyzmat görnüşleri, işi ýapmagyň sebäpleri we beýlekiler. Elementler hiç haçan pozulmaýar: elementi hödürlemegi bes etmek üçin ony ulanyşdan aýyryň. Elementiň kody üýtgemeýär, şonuň üçin bar bolan ýazgylar we hasabatlar öz manysyny saklaýar.
lists-list = Sanaw
lists-code = Kod
lists-active-count = Işjeň elementler
lists-retired-count = Ulanyşdan aýrylan elementler
lists-items-intro = Elementler formalaryň hödürleýän tertibinde. Ulanyşdan aýrylan elementler olary ulanýan ýazgylarda galýar.
lists-no-items = Bu sanawda entek element ýok.
lists-sort-order = Tertip belgisi
lists-sort-order-hint = Kiçi sanlar öňde durýar.
lists-label-en = Iňlisçe ady
lists-label-ru = Rusça ady
lists-label-tk = Türkmençe ady
lists-status = Ýagdaýy
lists-status-active = işjeň
lists-status-retired = ulanyşdan aýryldy
lists-usage = Ulanylyşy
lists-used = ýazgylarda ulanylýar
lists-unused = entek ulanylmady
lists-actions = Hereketler
lists-edit = Üýtgetmek
lists-retire = Ulanyşdan aýyrmak
lists-restore = Dikeltmek
lists-retire-hint = Ulanyşdan aýrylan element täze ýazgylar üçin hödürlenmeýär; ony ulanýan ýazgylarda ol saklanýar.
lists-add-title = Element goşmak
lists-code-hint = 2-den 40-a çenli kiçi latyn harplary a–z, sanlar ýa-da aşaky çyzyklar. Kody soňra üýtgedip bolmaýar.
lists-add-submit = Elementi goşmak
lists-edit-title = Elementi üýtgetmek
lists-code-fixed = Elementiň koduny üýtgedip bolmaýar.
lists-current-values = Başga ulanyjynyň ýatda saklan bahalary
lists-your-values = Siziň bahalaryňyz
lists-save = Ýatda saklamak
lists-cancel = Ýatyrmak
