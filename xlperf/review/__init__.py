"""The bureau's review cycle: 出错说明 (explanations of 提示 findings), unit identity in a batch,
consolidation (汇总), 退回修改 notices and last year's figures carried forward (上年数)."""
