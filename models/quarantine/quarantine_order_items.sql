{{ quarantine_rows(ref('base_raw__order_items'), [
    'order_id',
    'line_number',
    'product_id',
    'product_category',
    'quantity',
    'unit_price',
]) }}
