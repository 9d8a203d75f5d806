module example.com/datachonk-receiver

go 1.19
