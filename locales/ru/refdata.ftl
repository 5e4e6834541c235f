# Справочные данные: иерархия регионов, импорт регионов, справочники.

regions-title = Регионы
regions-intro = Административные регионы — от страны до этрапов. Организации, дела и отчёты ссылаются на них по коду.
regions-total = { $count ->
    [one] { $count } регион.
    [few] { $count } региона.
   *[other] { $count } регионов.
}
regions-none = Регионов пока нет. Импортируйте файл, чтобы добавить их.
regions-organisations = { $count ->
    [0] нет организаций
    [one] { $count } организация
    [few] { $count } организации
   *[other] { $count } организаций
}
regions-back = Вернуться к регионам

regions-import-title = Импорт регионов
regions-import-intro = Загрузите файл CSV или Excel (XLSX), в котором каждая строка — один регион. В первой строке указываются названия столбцов.
regions-import-columns = Допустимые столбцы:
regions-import-required = Обязательные столбцы:
regions-import-updates = Регион, код которого уже есть в системе, обновляется (названия, уровень и вышестоящий регион); остальные добавляются. Если в файле нет столбца name_ru или name_tk, сохранённые названия на этом языке не меняются. Импорт никогда не удаляет регионы.
regions-import-parent = Для региона верхнего уровня (страны) оставьте parent_code пустым. Вышестоящим может быть регион, уже имеющийся в системе, или другая строка того же файла.
regions-import-limit = Размер файла — не более { $size }.
regions-import-file = Файл (.csv или .xlsx)
regions-import-file-hint = Файлы CSV должны быть в кодировке UTF-8; столбцы можно разделять запятыми или точками с запятой. Из файла Excel читается только первый лист.
regions-import-mode = Если в некоторых строках есть ошибки
regions-import-mode-all = Ничего не импортировать, если хотя бы в одной строке есть ошибка
regions-import-mode-partial = Импортировать правильные строки и пропустить строки с ошибками
regions-import-submit = Проверить и импортировать
regions-import-result-title = Результат импорта регионов
regions-import-done = Импорт завершён.
regions-import-refused = { $count ->
    [one] Ничего не импортировано: в { $count } строке есть ошибки. Исправьте её и загрузите файл снова.
   *[other] Ничего не импортировано: строк с ошибками — { $count }. Исправьте их и загрузите файл снова.
}
regions-import-summary = Строк с регионами в файле: { $count }.
regions-import-added = Добавлено: { $count }
regions-import-updated = Обновлено: { $count }
regions-import-skipped = Пропущено: { $count }
regions-import-problems = Строки с ошибками
regions-import-line = Строка
regions-import-column = Столбец
regions-import-problem = Ошибка
regions-import-again = Импортировать другой файл
regions-import-unknown-columns = В файле есть неизвестные столбцы: { $columns }. Допустимые столбцы: { $known }.
regions-import-missing-columns = В файле нет обязательных столбцов: { $columns }.
regions-import-repeated-columns = Эти столбцы встречаются больше одного раза: { $columns }.
regions-import-no-rows = В файле есть строка заголовков, но нет ни одного региона.

refdata-upload-unreadable = Не удалось прочитать загруженные данные. Выберите файл ещё раз и отправьте форму снова.
refdata-import-unknown-extension = Выберите файл с расширением .csv или .xlsx.
refdata-import-not-utf8 = Файл CSV не в кодировке UTF-8. В Excel выберите «Сохранить как» → «CSV UTF-8» или загрузите файл .xlsx.
refdata-import-bad-csv = Не удаётся прочитать файл CSV в строке { $line }. Проверьте кавычки в этой строке.
refdata-import-unreadable-xlsx = Файл не является читаемой книгой Excel (.xlsx). Откройте его в Excel, сохраните заново в формате .xlsx и загрузите ещё раз.
refdata-import-no-header = Файл пуст, или в его первой строке нет названий столбцов.

field-refdata-file-required = Выберите файл для загрузки.
field-invalid-region-code = Используйте не более 64 латинских букв, цифр, дефисов, знаков подчёркивания или точек.
field-invalid-level = Укажите короткое название уровня, например province или district: латинские буквы a–z, цифры, дефисы или знаки подчёркивания.
field-parent-row-invalid = В строке вышестоящего региона есть ошибка, поэтому эту строку тоже нельзя импортировать.
field-invalid-item-code = Используйте от 2 до 40 строчных латинских букв a–z, цифр или знаков подчёркивания, например legal_aid.
field-english-label-required = Название на английском языке обязательно.
field-invalid-sort-order = Введите целое число от 0 до 999999.
field-lists-code-taken = В этом справочнике уже есть элемент с таким кодом (возможно, выведенный из употребления). Выберите другой код или восстановите тот элемент.

flash-upload-too-large = Файл слишком большой для загрузки. Разделите его на несколько файлов и загрузите их по одному.
flash-lists-item-added = Элемент добавлен.
flash-lists-item-saved = Элемент сохранён.
flash-lists-item-retired = Элемент выведен из употребления и больше не предлагается для новых записей.
flash-lists-item-restored = Элемент восстановлен.

lists-title = Справочники
lists-intro = Варианты выбора в формах: виды услуг, причины закрытия дела и другие. Элементы никогда не удаляются: чтобы перестать предлагать элемент, выведите его из употребления. Код элемента не меняется, поэтому существующие записи и отчёты сохраняют свой смысл.
lists-list = Справочник
lists-code = Код
lists-active-count = Действующие элементы
lists-retired-count = Выведенные элементы
lists-items-intro = Элементы в том порядке, в котором их предлагают формы. Выведенные из употребления элементы остаются в записях, где они использованы.
lists-no-items = В этом справочнике пока нет элементов.
lists-sort-order = Порядок сортировки
lists-sort-order-hint = Меньшие числа идут первыми.
lists-label-en = Название на английском
lists-label-ru = Название на русском
lists-label-tk = Название на туркменском
lists-status = Состояние
lists-status-active = действует
lists-status-retired = выведен из употребления
lists-usage = Использование
lists-used = используется в записях
lists-unused = ещё не использовался
lists-actions = Действия
lists-edit = Изменить
lists-retire = Вывести из употребления
lists-restore = Восстановить
lists-retire-hint = После вывода из употребления элемент не предлагается для новых записей; в записях, где он уже использован, он сохраняется.
lists-add-title = Добавить элемент
lists-code-hint = От 2 до 40 строчных латинских букв a–z, цифр или знаков подчёркивания. Позже код изменить нельзя.
lists-add-submit = Добавить элемент
lists-edit-title = Изменение элемента
lists-code-fixed = Код элемента изменить нельзя.
lists-current-values = Значения, сохранённые другим пользователем
lists-your-values = Ваши значения
lists-save = Сохранить
lists-cancel = Отмена
