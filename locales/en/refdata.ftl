# Reference data: the region hierarchy, region import, reference lists.

regions-title = Regions
regions-intro = The administrative regions, from the country down to districts. Organisations, cases and reports refer to them by code.
regions-total = { $count ->
    [one] One region.
   *[other] { $count } regions.
}
regions-none = No regions yet. Import a file to add them.
regions-organisations = { $count ->
    [0] no organisations
    [one] one organisation
   *[other] { $count } organisations
}
regions-back = Back to the regions

regions-import-title = Import regions
regions-import-intro = Upload a CSV or Excel (XLSX) file with one region per row. The first row names the columns.
regions-import-columns = Columns you may use:
regions-import-required = Columns every file must have:
regions-import-updates = A region whose code is already stored is updated (names, level and parent); the others are added. If the file has no name_ru or name_tk column, the names stored in that language are kept. Import never deletes a region.
regions-import-parent = Leave parent_code empty for a top-level region (the country). A parent may be a region already stored or another row of the same file.
regions-import-limit = Files up to { $size }.
regions-import-file = File (.csv or .xlsx)
regions-import-file-hint = CSV files must be UTF-8; commas or semicolons may separate the columns. From Excel, only the first sheet is read.
regions-import-mode = If some rows have errors
regions-import-mode-all = Import nothing if any row has an error
regions-import-mode-partial = Import the valid rows and skip the rows with errors
regions-import-submit = Check and import
regions-import-result-title = Region import result
regions-import-done = The import is finished.
regions-import-refused = { $count ->
    [one] Nothing was imported: one row has errors. Correct it and upload the file again.
   *[other] Nothing was imported: { $count } rows have errors. Correct them and upload the file again.
}
regions-import-summary = { $count ->
    [one] The file has one region row.
   *[other] The file has { $count } region rows.
}
regions-import-added = Added: { $count }
regions-import-updated = Updated: { $count }
regions-import-skipped = Skipped: { $count }
regions-import-problems = Rows with errors
regions-import-line = Line
regions-import-column = Column
regions-import-problem = Problem
regions-import-again = Import another file
regions-import-unknown-columns = The file has columns this import does not know: { $columns }. The columns can be: { $known }.
regions-import-missing-columns = The file lacks required columns: { $columns }.
regions-import-repeated-columns = These columns appear more than once: { $columns }.
regions-import-no-rows = The file has a header row but no regions under it.

refdata-upload-unreadable = The upload could not be read. Choose the file again and resend the form.
refdata-import-unknown-extension = Choose a file whose name ends in .csv or .xlsx.
refdata-import-not-utf8 = The CSV file is not in UTF-8. In Excel use "Save as" → "CSV UTF-8", or upload the .xlsx file instead.
refdata-import-bad-csv = The CSV file cannot be read at line { $line }. Check the quotation marks there.
refdata-import-unreadable-xlsx = The file is not a readable Excel (.xlsx) workbook. Open it in Excel, save it again as .xlsx and upload it once more.
refdata-import-no-header = The file is empty or its first row has no column names.

field-refdata-file-required = Choose a file to upload.
field-invalid-region-code = Use up to 64 letters A–Z, digits, hyphens, underscores or full stops.
field-invalid-level = Use a short level name such as province or district: letters a–z, digits, hyphens or underscores.
field-parent-row-invalid = The parent region's row has an error, so this row cannot be imported either.
field-invalid-item-code = Use 2 to 40 lower-case letters a–z, digits or underscores, such as legal_aid.
field-english-label-required = An English label is required.
field-invalid-sort-order = Enter a whole number from 0 to 999999.
field-lists-code-taken = This list already has an item with this code (perhaps a retired one). Choose another code or restore that item.

flash-upload-too-large = The file is too large to upload. Split it into smaller files and upload them one at a time.
flash-lists-item-added = The item has been added.
flash-lists-item-saved = The item has been saved.
flash-lists-item-retired = The item has been retired. It is no longer offered for new records.
flash-lists-item-restored = The item has been restored.

lists-title = Reference lists
lists-intro = The choices offered in forms: service types, closure reasons and others. Items are never deleted: retire an item to stop offering it. Its code never changes, so existing records and reports keep their meaning.
lists-list = List
lists-code = Code
lists-active-count = Active items
lists-retired-count = Retired items
lists-items-intro = Items in the order forms offer them. Retired items stay on the records that use them.
lists-no-items = This list has no items yet.
lists-sort-order = Sort order
lists-sort-order-hint = Lower numbers come first.
lists-label-en = English label
lists-label-ru = Russian label
lists-label-tk = Turkmen label
lists-status = Status
lists-status-active = active
lists-status-retired = retired
lists-usage = Use
lists-used = used in records
lists-unused = not used yet
lists-actions = Actions
lists-edit = Edit
lists-retire = Retire
lists-restore = Restore
lists-retire-hint = Retiring stops offering this item for new records; records that use it keep it.
lists-add-title = Add an item
lists-code-hint = 2 to 40 lower-case letters a–z, digits or underscores. The code cannot be changed later.
lists-add-submit = Add the item
lists-edit-title = Edit item
lists-code-fixed = The code of an item cannot be changed.
lists-current-values = Values saved by the other person
lists-your-values = Your values
lists-save = Save
lists-cancel = Cancel
