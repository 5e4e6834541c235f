second-factor-title = Второй фактор
second-factor-code = Код из приложения-аутентификатора или резервный код
second-factor-hint = Откройте приложение-аутентификатор на телефоне и введите шестизначный код для Yoldash.
second-factor-submit = Продолжить
second-factor-cancel = Отменить и выйти
second-factor-wrong = Код неверный или уже использован. Попробуйте следующий код.
security-title = Безопасность
security-second-factor = Второй фактор (приложение-аутентификатор)
security-enabled = Второй фактор включён: при входе запрашивается код из приложения-аутентификатора.
security-disabled = Второй фактор выключен: при входе запрашивается только пароль.
security-required = Ваша организация требует второй фактор для вашей учётной записи.
security-enrol = Настроить второй фактор
security-regenerate = Создать новые резервные коды
security-disable = Выключить второй фактор
security-confirm-password = Ваш пароль для подтверждения
security-sessions = Где выполнен вход
security-session-started = Вход выполнен
security-session-last-seen = Последняя активность
security-session-client = Браузер
security-session-current = Этот браузер
security-sign-out-others = Выйти на всех других устройствах
recovery-codes-left = { $count ->
    [one] Остался { $count } резервный код.
    [few] Осталось { $count } резервных кода.
   *[many] Осталось { $count } резервных кодов.
}
enrol-title = Настройка второго фактора
enrol-step-1 = Установите на телефон приложение-аутентификатор (например, FreeOTP, Aegis или Google Authenticator).
enrol-step-2 = Отсканируйте этот код приложением. Если отсканировать не получается, введите в приложение этот ключ:
enrol-step-3 = Введите шестизначный код, который сейчас показывает приложение, для подтверждения.
enrol-qr-label = QR-код для приложения-аутентификатора
enrol-submit = Подтвердить
codes-title = Ваши резервные коды
codes-intro = Каждый код позволяет один раз войти без телефона. Запишите или распечатайте их и храните в надёжном месте. Они показываются только сейчас.
codes-done = Я сохранил(а) коды
settings-title = Настройки безопасности
settings-second-factor-roles = Роли, для которых обязателен второй фактор
settings-second-factor-hint = Пользователям с любой из этих ролей при следующем входе будет предложено настроить приложение-аутентификатор.
settings-save = Сохранить
flash-second-factor-disabled = Второй фактор выключен.
flash-second-factor-required = Второй фактор нельзя выключить: он обязателен для вашей учётной записи.
flash-signed-out-others = Выполнен выход на всех других устройствах.
flash-settings-saved = Настройки сохранены.
field-second-factor-already-enabled = Второй фактор уже настроен.
enrol-code = Шестизначный код из приложения
