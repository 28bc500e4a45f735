;; Broken: the manifest declares a function with an unknown type.
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
  (data (i32.const 16) "{\"functions\":[{\"name\":\"ok\",\"params\":[],\"returns\":\"bool\"},{\"name\":\"f\",\"params\":[{\"name\":\"x\",\"type\":\"numbr\"}],\"returns\":\"number\"}]}")
  (func (export "aims_manifest") (result i64) (i64.const 68719476865))
  (data (i32.const 2048) "{\"ok\":true}")
  ;; ok() -> bool: always answers true; used to check the plugin still works after a failure.
  (func (export "aims_fn_ok") (param i32 i32) (result i64) (i64.const 8796093022219))
  (func (export "aims_fn_f") (param i32 i32) (result i64) (i64.const 0))
)
