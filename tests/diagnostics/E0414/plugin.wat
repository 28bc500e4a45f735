;; A well-behaved plugin written by hand against ABI version 1.
;; wrap(x) answers [x] (it wraps the argument list in {"ok": ...} without copying);
;; fail(x) answers {"err": ...}; wrong_type(x) answers a string although it declares number;
;; loader echo_name answers the file name as a string.
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
  (data (i32.const 16) "{\"functions\":[{\"name\":\"ok\",\"params\":[],\"returns\":\"bool\"},{\"name\":\"wrap\",\"params\":[{\"name\":\"x\",\"type\":\"any\"}],\"returns\":\"list<any>\",\"doc\":\"answers its argument list\"},{\"name\":\"fail\",\"params\":[{\"name\":\"x\",\"type\":\"any\"}],\"returns\":\"number\"},{\"name\":\"wrong_type\",\"params\":[{\"name\":\"x\",\"type\":\"any\"}],\"returns\":\"number\"}],\"loaders\":[{\"name\":\"echo_name\",\"extensions\":[\"txt\"],\"doc\":\"answers the file name\"}]}")
  (func (export "aims_manifest") (result i64) (i64.const 68719477137))
  (data (i32.const 2048) "{\"ok\":true}")
  ;; ok() -> bool: always answers true; used to check the plugin still works after a failure.
  (func (export "aims_fn_ok") (param i32 i32) (result i64) (i64.const 8796093022219))
  (data (i32.const 3000) "{\"ok\":")
  (data (i32.const 3010) "{\"ok\":\"")
  (data (i32.const 3020) "{\"err\":\"deliberate failure\"}")
  (data (i32.const 3060) "{\"ok\":\"seven\"}")
  (func (export "aims_fn_wrap") (param $p i32) (param $len i32) (result i64)
    ;; {"ok": goes right before the input, } right after it
    (memory.copy (i32.sub (local.get $p) (i32.const 6)) (i32.const 3000) (i32.const 6))
    (i32.store8 (i32.add (local.get $p) (local.get $len)) (i32.const 125))
    (i64.or (i64.shl (i64.extend_i32_u (i32.sub (local.get $p) (i32.const 6))) (i64.const 32))
            (i64.extend_i32_u (i32.add (local.get $len) (i32.const 7)))))
  (func (export "aims_fn_fail") (param i32 i32) (result i64) (i64.const 12970801233948))
  (func (export "aims_fn_wrong_type") (param i32 i32) (result i64) (i64.const 13142599925774))
  (func (export "aims_load_echo_name") (param $np i32) (param $nl i32) (param $dp i32) (param $dl i32) (result i64)
    (memory.copy (i32.sub (local.get $np) (i32.const 7)) (i32.const 3010) (i32.const 7))
    (i32.store16 (i32.add (local.get $np) (local.get $nl)) (i32.const 0x7d22)) ;; the bytes `"}`
    (i64.or (i64.shl (i64.extend_i32_u (i32.sub (local.get $np) (i32.const 7))) (i64.const 32))
            (i64.extend_i32_u (i32.add (local.get $nl) (i32.const 9)))))
)
