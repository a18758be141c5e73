module keel.invalid/bulkgo

go 1.22
