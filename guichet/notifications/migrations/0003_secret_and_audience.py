from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('notifications', '0002_delivery_state_sending'),
    ]

    operations = [
        migrations.RenameField(
            model_name='notification',
            old_name='sensitive',
            new_name='secret',
        ),
        migrations.AddField(
            model_name='notification',
            name='unit',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='accounts.unit'),
        ),
        migrations.AddField(
            model_name='notification',
            name='restricted',
            field=models.BooleanField(default=False),
        ),
    ]
