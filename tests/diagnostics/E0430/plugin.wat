;; Broken: aims_alloc answers offset 0 (a null pointer) for every size.
(module
  (memory (export "memory") 1)
  (func (export "aims_abi_version") (result i32) (i32.const 1))
  (data (i32.const 16) "{\"functions\":[{\"name\":\"ok\",\"params\":[],\"returns\":\"bool\"}]}")
  (func (export "aims_manifest") (result i64) (i64.const 68719476794))
  (data (i32.const 2048) "{\"ok\":true}")
  ;; ok() -> bool: always answers true; used to check the plugin still works after a failure.
  (func (export "aims_fn_ok") (param i32 i32) (result i64) (i64.const 8796093022219))
  (func (export "aims_alloc") (param i32) (result i32) (i32.const 0))
)
