;; Hostile: boom() executes `unreachable` (how a Rust panic ends on wasm32-unknown-unknown);
;; aims_last_error() gives the panic message the way the SDK does.
(module
  (memory (export "memory") 1)
  (func (export "aims_abi_version") (result i32) (i32.const 1))
  ;; Every input goes at offset 4096; memory grows to fit it.
  (func (export "aims_alloc") (param $len i32) (result i32)
    (block $done
      (loop $grow
        (br_if $done (i64.le_u (i64.add (i64.const 4096) (i64.extend_i32_u (local.get $len)))
                               (i64.mul (i64.extend_i32_u (memory.size)) (i64.const 65536))))
        (drop (memory.grow (i32.const 1)))
        (br $grow)))
    (i32.const 4096))
  (data (i32.const 16) "{\"functions\":[{\"name\":\"ok\",\"params\":[],\"returns\":\"bool\"},{\"name\":\"boom\",\"params\":[],\"returns\":\"number\"},{\"name\":\"divide_by_zero\",\"params\":[],\"returns\":\"number\"}]}")
  (func (export "aims_manifest") (result i64) (i64.const 68719476898))
  (data (i32.const 2048) "{\"ok\":true}")
  ;; ok() -> bool: always answers true; used to check the plugin still works after a failure.
  (func (export "aims_fn_ok") (param i32 i32) (result i64) (i64.const 8796093022219))
  (data (i32.const 3000) "index out of bounds: the len is 3 but the index is 7")
  (func (export "aims_last_error") (result i64) (i64.const 12884901888052))
  (func (export "aims_fn_boom") (param i32 i32) (result i64)
    unreachable)
  (func (export "aims_fn_divide_by_zero") (param i32 i32) (result i64)
    (i64.extend_i32_s (i32.div_s (i32.const 1) (i32.const 0))))
)
