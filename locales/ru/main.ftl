app-name = Yoldash
app-tagline = Информационная система для гендерно и возрастно чувствительного управления миграцией и противодействия торговле людьми
lang-en = English
lang-ru = Русский
lang-tk = Türkmençe
skip-to-content = Перейти к содержанию
footer-version = Yoldash, версия { $version }
nav-home = Главная
nav-password = Сменить пароль
nav-logout = Выйти

login-title = Вход
login-email = Эл. почта
login-password = Пароль
login-submit = Войти
login-failed = Неверный адрес эл. почты или пароль, либо учётная запись не активна.
login-throttled = Слишком много попыток входа. Подождите несколько минут и попробуйте снова.
logged-out = Вы вышли из системы.

password-title = Смена пароля
password-current = Текущий пароль
password-new = Новый пароль
password-confirm = Новый пароль ещё раз
password-submit = Сменить пароль
password-changed = Пароль изменён. Остальные сеансы завершены.
password-mismatch = Новые пароли не совпадают.
password-current-wrong = Текущий пароль указан неверно.
password-forced = Администратор сбросил ваш пароль. Чтобы продолжить, задайте новый.
password-rules = Не менее { $min } символов. Хороший пароль — несколько не связанных между собой слов.
password-too-short = Пароль должен содержать не менее { $min } символов.
password-too-long = Пароль слишком длинный.
password-common = Этот пароль слишком распространённый или простой. Выберите другой.
password-contains-email = Пароль не должен содержать ваш адрес эл. почты.
password-contains-name = Пароль не должен строиться на вашем имени или названии системы.

home-title = Главная
home-welcome = Добро пожаловать, { $name }.
home-organisation = Организация: { $organisation }
home-roles = Ваши роли: { $roles }

role-admin = Системный администратор
role-org_admin = Администратор организации
role-secretariat = Секретариат рабочей группы
role-supervisor = Руководитель случаев
role-case_worker = Специалист по случаям
role-service_provider = Контактное лицо поставщика услуг
role-hotline_operator = Оператор горячей линии
role-me_officer = Специалист по мониторингу и оценке
role-viewer = Наблюдатель

error-title = Что-то пошло не так
error-title-refused = Недоступно для вас
error-title-not-found = Не найдено
error-bad-request = Запрос не удалось разобрать.
error-unauthorized = Войдите, чтобы продолжить.
error-forbidden = У вас нет прав на это действие.
error-not-found = Не найдено.
error-conflict = Кто-то другой изменил эту запись после того, как вы её открыли. Ваши изменения не сохранены; просмотрите текущую версию и внесите их снова.
error-duplicate = Это значение уже используется.
error-invalid = Некоторые значения указаны неверно.
error-csrf = Срок действия формы истёк или она отправлена не с этого сайта. Обновите страницу и попробуйте снова.
error-too-large = Запрос слишком большой.
error-throttled = Слишком много запросов. Подождите немного и попробуйте снова.
error-method-not-allowed = Этот адрес не принимает такой запрос.
error-internal = Произошла внутренняя ошибка. Она записана в журнал; данные не изменены.
error-back-home = На главную

field-required = Это поле обязательно.
field-invalid-email = Введите адрес эл. почты, например name@example.org.
field-invalid-name = Введите имя длиной не более 200 символов, без управляющих и невидимых символов.
field-invalid-code = Используйте от 2 до 32 латинских букв A–Z, цифр, дефисов или подчёркиваний.
field-invalid-organisation-type = Выберите тип организации.
field-invalid-role = Неизвестная роль.
field-role-required = Выберите хотя бы одну роль.
field-invalid-language = Выберите английский, русский или туркменский.
field-unknown-organisation = Организации с таким кодом нет.
field-organisation-inactive = Эта организация деактивирована.
field-unknown-region = Региона с таким кодом нет.
field-invalid-label = Введите название длиной не более 100 символов.
field-invalid-expiry = Введите число дней от 1 до 3650.
field-english-name-required = Требуется название на английском языке.
field-duplicate-code = Этот код указан дважды.
field-unknown-parent = Вышестоящий регион не существует.
field-cyclic-parent = Вышестоящие регионы образуют цикл.
field-invalid-version = Версия не указана или не является числом.
field-invalid-body = В теле запроса нет ожидаемых полей.
field-unknown-field = Эта операция не принимает такое поле: проверьте его имя в описании API.
field-unknown-parameter = Эта операция не принимает такой параметр запроса: проверьте его имя в описании API.
field-cannot-disable-self = Нельзя отключить собственную учётную запись.
nav-main = Основное меню
nav-account = Моя учётная запись
nav-organisations = Организации
nav-users = Пользователи
nav-regions = Регионы
nav-lists = Справочники
nav-audit = Журнал аудита
nav-tokens = API-токены
language = Язык
breadcrumbs = Вы находитесь здесь
format-datetime = { $day }.{ $month }.{ $year } { $hour }:{ $minute } UTC
format-percent = { $value }{ "\u00A0" }%
number-group-separator = { "\u00A0" }
number-decimal-separator = ,
month-1 = янв.
month-2 = февр.
month-3 = мар.
month-4 = апр.
month-5 = мая
month-6 = июн.
month-7 = июл.
month-8 = авг.
month-9 = сент.
month-10 = окт.
month-11 = нояб.
month-12 = дек.
home-second-factor-off = Ваша учётная запись защищена только паролем. Второй фактор сделает её гораздо безопаснее.
home-my-work = Мои текущие задачи
home-my-work-empty = Для вас ничего нет. Здесь появятся случаи, назначенные вам, и направления в вашу организацию.
home-approvals = Ожидают моего утверждения
home-approvals-empty = Ничего не ожидает вашего утверждения. Здесь появятся оценки, планы работы по случаям, закрытия случаев и отчёты о ходе работы, направленные вам.
home-administration = Администрирование
home-figure-organisations = Активные организации
home-figure-users = Активные учётные записи
home-activity = Мои последние действия
home-activity-empty = Действий пока не записано.
activity-login = Вход в систему
activity-login_failed = Неудачная попытка входа
activity-login_throttled = Вход отклонён (слишком много попыток)
activity-logout = Выход из системы
activity-create = Создана запись
activity-update = Изменена запись
activity-delete = Удалена запись
activity-read = Открыта запись
activity-list = Просмотрен список
activity-export = Выгрузка данных
activity-password_change = Смена пароля
activity-password_reset = Сброс пароля
activity-disable = Отключение учётной записи или организации
activity-token_create = Создан API-токен
activity-token_revoke = Отозван API-токен
activity-key_rotate = Смена ключей шифрования
activity-backup = Резервная копия
activity-restore = Восстановление из резервной копии
activity-consent_override = Действие без требуемого согласия
activity-import = Импорт данных

## issue 10 (authz)
error-account-out-of-reach = У этой учётной записи есть роль, которую вы не можете назначать, поэтому изменить её вы не можете. Обратитесь к системному администратору.
error-supervisor-decision = Передать дело другому специалисту и снять с него защиту (ограниченный доступ, замешан член семьи) может только руководитель случаев.

## issue 10 (web)
activity-access_refused = Запрос записи вне вашей области доступа (отклонён)

## issue 10 (db)
error-unavailable = База данных сейчас не может ничего сохранить: её хранилище может быть заполнено или недоступно. Ничего не сохранено. Попробуйте позже; если ошибка повторяется, сообщите администратору.
notice-audit-head-lagging = Не удалось записать файл audit-head.json, отмечающий последнюю запись журнала аудита (причина — в журнале сервера). Записи журнала аудита при этом сохранены полностью, но пока файл не записан снова, «audit verify» не может установить, не удалены ли последние записи. Проверьте свободное место и права доступа в каталоге данных; файл будет записан снова автоматически.

## issue 10 (review)
error-own-roles = Изменить собственные роли нельзя. Попросите об этом другого администратора.
error-own-second-factor = Снять требование второго фактора со своей учётной записи или сбросить свой второй фактор здесь нельзя: это делает другой администратор. Чтобы изменить свой второй фактор, откройте «Моя учётная запись» → «Безопасность».

# Home for roles whose work comes later (pages/mod.rs).
home-coming = Что вы найдёте здесь
home-coming-secretariat = Мониторинг Национального плана действий: мероприятия, ответственные ведомства, сроки, отчёты о ходе выполнения и национальный доклад. Появится в следующей версии.
home-coming-me_officer = Гендерно-чувствительные показатели в разбивке по полу и возрасту и реестры, по которым они рассчитываются. Появится в следующей версии.
home-coming-service_provider = Направления в вашу службу и их сопровождение. Появится в следующей версии.
home-coming-hotline_operator = Реестр горячей линии: консультации и направления по их итогам. Появится в следующей версии.
home-coming-viewer = Опубликованные показатели и отчёты с защитой персональных данных. Появится в следующей версии.
